import { afterEach, describe, expect, it, vi } from 'vitest'
import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import dayjs from 'dayjs'
import { fillDate, mockFetch, renderWithProviders } from '../../test-utils'
import { EditMilestoneButton, mayEditMilestones, milestonePatchBody } from './Milestones'
import type { Milestone } from './api'

const m: Milestone = { id: 'm1', project_id: 'p1', title: '方案设计', planned_on: '2026-06-30', actual_on: null }
const url = '/api/registry/api/v1/projects/p1/milestones/m1'
const ok = () => within(screen.getByRole('dialog')).getByRole('button', { name: /确\s*定/ })

describe("a time node's completion and re-plan", () => {
  afterEach(() => vi.unstubAllGlobals())

  it("builds registry's MilestonePatch from what changed only", () => {
    const same = { title: '方案设计', planned_on: dayjs('2026-06-30'), actual_on: null }
    expect(milestonePatchBody(m, same)).toEqual({})
    expect(milestonePatchBody(m, { ...same, actual_on: dayjs('2026-06-28') })).toEqual({ actual_on: '2026-06-28' })
    expect(milestonePatchBody(m, { ...same, title: ' 方案深化设计 ', planned_on: dayjs('2026-08-31') }))
      .toEqual({ title: '方案深化设计', planned_on: '2026-08-31' })
    expect(milestonePatchBody({ ...m, actual_on: '2026-06-28' }, same)).toEqual({ actual_on: null }) // cleared: not done yet
  })

  it('is offered to the office and to the project\'s own street, as registry allows', () => {
    const p = { street_code: 'S01' }
    expect(mayEditMilestones({ role: 'district_office' }, p)).toBe(true)
    expect(mayEditMilestones({ role: 'street', street_code: 'S01' }, p)).toBe(true)
    expect(mayEditMilestones({ role: 'street', street_code: 'S02' }, p)).toBe(false)
    for (const role of ['department', 'finance', 'auditor', 'integration'] as const) expect(mayEditMilestones({ role }, p)).toBe(false)
  })

  it('records the completion date with a PATCH of that field alone', async () => {
    const sent = mockFetch({ [`PATCH ${url}`]: { json: { ...m, actual_on: '2026-06-28' } } })
    const done = vi.fn()
    renderWithProviders(<EditMilestoneButton milestone={m} onDone={done} />)
    await userEvent.click(screen.getByRole('button', { name: '登记完成/调整' }))
    expect(screen.getByLabelText('计划完成日期')).toHaveValue('2026-06-30')
    await fillDate('实际完成日期', '2026-06-28')
    await userEvent.click(ok())
    await waitFor(() => expect(done).toHaveBeenCalled())
    expect(sent).toHaveLength(1)
    expect(sent[0].method).toBe('PATCH')
    expect(sent[0].url).toBe(url)
    expect(sent[0].json).toEqual({ actual_on: '2026-06-28' })
  })
})
