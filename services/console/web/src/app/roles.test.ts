import { describe, expect, it } from 'vitest'
import { acceptanceActions } from '../features/acceptance/AcceptancePage'
import { canSee } from '../lib/session'
import { menuFor } from './Shell'

describe('what each role sees', () => {
  it('menus follow the role', () => {
    expect(menuFor('district_office').map((m) => m.text)).toContain('系统对接')
    expect(menuFor('street').map((m) => m.text)).not.toContain('系统对接')
    expect(menuFor('department').map((m) => m.text)).not.toContain('资金')
    expect(menuFor('integration').map((m) => m.text)).toEqual(['验收', '评价通报', '系统对接'])
    expect(canSee('finance', 'funding')).toBe(true)
    expect(canSee('auditor', 'alerts')).toBe(true)
  })
  it('a department reviews only acceptances still waiting for it', () => {
    const a = { state: 'requested', level: 'city', pending_departments: ['housing', 'finance'] }
    expect(acceptanceActions({ role: 'department', department_code: 'housing' }, a)).toEqual(['review'])
    expect(acceptanceActions({ role: 'department', department_code: 'civil_affairs' }, a)).toEqual([])
    expect(acceptanceActions({ role: 'department', department_code: 'housing' }, { ...a, state: 'district_reviewed' })).toEqual([])
    expect(acceptanceActions({ role: 'district_office' }, a)).toEqual([])
  })
  it('an integration posts a result only for a district-reviewed acceptance of its own level', () => {
    const a = { state: 'district_reviewed', level: 'province', pending_departments: [] }
    expect(acceptanceActions({ role: 'integration', scope: 'province' }, a)).toEqual(['result'])
    expect(acceptanceActions({ role: 'integration', scope: 'city' }, a)).toEqual([])
    expect(acceptanceActions({ role: 'street' }, a)).toEqual([])
  })
})
