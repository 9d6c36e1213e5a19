import { afterEach, describe, expect, it, vi } from 'vitest'
import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { mockFetch, renderWithProviders } from '../../test-utils'
import type { Session } from '../../lib/session'
import { SessionContext } from '../../lib/session'
import { alertLevel } from './api'
import { ProjectAlerts } from './ProjectAlerts'

function asRole(role: Session['role'], ui: React.ReactElement) {
  return <SessionContext.Provider value={{ role, sub: 'u1' } as Session}>{ui}</SessionContext.Provider>
}

const alert = (id: number, over: Record<string, unknown> = {}) => ({
  id, type: 'deadline_approaching', event_type: 'fc.deadline.approaching', project_id: 'p1', street_code: 's1',
  days_left: 5, title: '创建期限临近', message: `甲社区 创建期限将于 2026-12-31 到期，剩余 5 天。#${id}`,
  recipient: 'street:s1', created_at: '2026-12-01T02:30:00Z', read: false, ...over,
})

describe("a project's alerts", () => {
  afterEach(() => vi.unstubAllGlobals())

  it('grades an alert: overdue or failed is 紧急, a deadline within a week 提醒, the rest 通知', () => {
    expect(alertLevel({ type: 'deadline_breached', days_left: null })).toBe('urgent')
    expect(alertLevel({ type: 'acceptance_failed', days_left: null })).toBe('urgent')
    expect(alertLevel({ type: 'deadline_approaching', days_left: -1 })).toBe('urgent')
    expect(alertLevel({ type: 'deadline_approaching', days_left: 7 })).toBe('warning')
    expect(alertLevel({ type: 'deadline_approaching', days_left: 30 })).toBe('info')
    expect(alertLevel({ type: 'deadline_approaching', days_left: null })).toBe('warning')
    expect(alertLevel({ type: 'subsidy_disbursed', days_left: null })).toBe('info')
  })

  it("asks notify for this project's alerts one page at a time and shows kind, level, message, time and read state", async () => {
    const url = '/api/notify/api/v1/alerts'
    const sent = mockFetch({ [`GET ${url}`]: (s) => new URL(s.url, 'http://x').searchParams.get('cursor') === 'c2'
      ? { json: { items: [alert(1, { type: 'subsidy_disbursed', days_left: null, title: '补助已拨付', message: '拨付 1.00 元', read: true })], next_cursor: null } }
      : { json: { items: [alert(2), alert(3, { type: 'deadline_breached', title: '创建期限已逾期', days_left: -2 })], next_cursor: 'c2' } } })
    renderWithProviders(asRole('street', <ProjectAlerts projectId="p1" />))
    expect(await screen.findByText(/剩余 5 天。#2/)).toBeInTheDocument()
    const first = new URL(sent[0].url, 'http://x').searchParams
    expect(first.get('project_id')).toBe('p1')
    expect(first.get('limit')).toBe('10')
    expect(first.get('cursor')).toBeNull()
    expect(screen.getByText('期限临近')).toBeInTheDocument()
    expect(screen.getByText('期限逾期')).toBeInTheDocument()
    expect(screen.getByText('提醒')).toBeInTheDocument()
    expect(screen.getByText('紧急')).toBeInTheDocument()
    expect(screen.getAllByText('未读')).toHaveLength(2)
    expect(screen.queryByRole('button', { name: '标为已读' })).toBeNull() // read-only here; the inbox marks read
    await userEvent.click(screen.getByRole('button', { name: '下一页' }))
    expect(await screen.findByText('拨付 1.00 元')).toBeInTheDocument()
    expect(screen.getByText('补助拨付')).toBeInTheDocument()
    expect(screen.getByText('已读')).toBeInTheDocument()
    await waitFor(() => expect(new URL(sent[sent.length - 1].url, 'http://x').searchParams.get('cursor')).toBe('c2'))
    expect(new URL(sent[sent.length - 1].url, 'http://x').searchParams.get('project_id')).toBe('p1')
  })

  it('asks nothing for a role without an inbox', () => {
    const sent = mockFetch({})
    renderWithProviders(asRole('department', <ProjectAlerts projectId="p1" />))
    expect(screen.getByText(/预警提醒仅向/)).toBeInTheDocument()
    expect(sent).toEqual([])
  })
})
