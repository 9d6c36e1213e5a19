import { afterEach, describe, expect, it, vi } from 'vitest'
import { render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { LEVEL } from '../../lib/labels'
import { chooseOption, fill, fillDate, mockFetch, renderWithProviders } from '../../test-utils'
import { ProjectActions } from './ProjectActions'
import { actionSpec, actionsFor, transitionBody } from './actions'
import type { Project } from './api'
import contract from './transitions.contract.json'

interface Case { from: string; role: string; required: string[]; form: Record<string, string>; body: Record<string, unknown> }

function project(state: string, allowed: string[]): Project {
  return { id: 'p1', name: '测试项目', state, type: 'renovation', target_level: 'city', street_code: 'S01',
    community_ids: ['c1'], area_ha: 20, life_circle_minutes: 15, creation_period_months: 12, created_on: '2026-01-05',
    version: 3, warnings: [], allowed_actions: allowed }
}

describe('lifecycle actions', () => {
  it('offers exactly what the API allows this caller, in its order', () => {
    expect(actionsFor(['select', 'reject', 'withdraw']).map((a) => a.spec.label)).toEqual(['择优入选', '不予入选', '撤回'])
    expect(actionsFor([])).toEqual([])
  })
  it('renders a button per allowed action: the office sees select, the street of an applied project nothing', () => {
    const { unmount } = render(<ProjectActions project={project('applied', ['select', 'reject', 'withdraw'])} onChanged={vi.fn()} />)
    expect(screen.getByRole('button', { name: '择优入选' })).toBeInTheDocument()
    expect(screen.getByRole('button', { name: '不予入选' })).toBeInTheDocument()
    unmount()
    render(<ProjectActions project={project('applied', [])} onChanged={vi.fn()} />)
    expect(screen.queryByRole('button')).toBeNull()
    expect(screen.getByText('当前无可执行的操作')).toBeInTheDocument()
  })
  it('gives an action the console does not know yet a plain form, not a missing button', () => {
    render(<ProjectActions project={project('approved', ['suspend'])} onChanged={vi.fn()} />)
    expect(screen.getByRole('button', { name: 'suspend' })).toBeInTheDocument()
  })
  it('asks for every field the registry requires of approve, decline, reschedule and name', () => {
    const required = (name: string) => actionsFor([name])[0].spec.fields.filter((f) => f.required).map((f) => f.name)
    expect(required('approve')).toEqual(['on', 'level', 'reference'])
    expect(required('decline')).toEqual(['on', 'level', 'reference'])
    expect(required('reschedule')).toEqual(['creation_deadline', 'note'])
    expect(required('name')).toEqual(['on', 'level'])
  })
  it('builds the transition body with dates as YYYY-MM-DD and no empty fields', () => {
    const day = { format: (f: string) => (f === 'YYYY-MM-DD' ? '2026-11-20' : '?') }
    expect(transitionBody('approve', { on: day, level: 'city', reference: '市〔2026〕1号', task_year: '2027', note: '' }))
      .toEqual({ action: 'approve', on: '2026-11-20', level: 'city', reference: '市〔2026〕1号', task_year: 2027 })
    expect(transitionBody('reschedule', { creation_deadline: day, note: '用地调整' }))
      .toEqual({ action: 'reschedule', creation_deadline: '2026-11-20', note: '用地调整' })
    expect(transitionBody('reject', { note: '不符合条件' })).toEqual({ action: 'reject', note: '不符合条件' })
  })
})

// The contract services/console/tests/test_transition_contract.py checks against registry's TransitionIn and lifecycle.
describe('every lifecycle form, filled in the page, sends what the contract (and so registry) says', () => {
  afterEach(() => vi.unstubAllGlobals())
  const url = '/api/registry/api/v1/projects/p1/transitions'

  for (const [action, c] of Object.entries(contract.actions) as [string, Case][]) {
    it(`${action}: requires ${c.required.join(', ') || 'nothing'} and sends the contract's body`, async () => {
      const sent = mockFetch({ [`POST ${url}`]: { json: project(c.from, []) } })
      const changed = vi.fn()
      renderWithProviders(<ProjectActions project={project(c.from, [action])} onChanged={changed} />)
      const spec = actionSpec(action)
      expect(spec.fields.filter((f) => f.required).map((f) => f.name)).toEqual(c.required)
      await userEvent.click(screen.getByRole('button', { name: spec.label }))
      const dialog = screen.getByRole('dialog')
      const ok = within(dialog).getByRole('button', { name: /确\s*定/ })
      if (c.required.length) { // an empty form says what is missing and sends nothing
        await userEvent.click(ok)
        await waitFor(() => expect(dialog.querySelectorAll('.ant-form-item-explain-error')).toHaveLength(c.required.length))
        expect(sent).toEqual([])
      }
      for (const [name, value] of Object.entries(c.form)) {
        const field = spec.fields.find((f) => f.name === name)!
        if (field.kind === 'date') await fillDate(field.label, value)
        else if (field.kind === 'level') await chooseOption(field.label, LEVEL[value])
        else await fill(within(dialog).getByLabelText(field.label), value)
      }
      await userEvent.click(ok)
      await waitFor(() => expect(changed).toHaveBeenCalled())
      expect(sent.map((r) => r.json)).toEqual([{ ...c.body, expected_version: 3 }])
    })
  }
})
