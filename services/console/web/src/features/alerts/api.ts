import { useQuery } from '@tanstack/react-query'
import type { Page } from '../../lib/api'
import { api } from '../../lib/api'

export interface Alert {
  id: number
  type: string
  event_type: string
  project_id: string | null
  street_code: string | null
  days_left: number | null
  title: string
  message: string
  recipient: string
  created_at: string
  read: boolean
}

export type AlertLevel = 'urgent' | 'warning' | 'info'
export const ALERT_LEVEL: Record<AlertLevel, { text: string; color: string }> = {
  urgent: { text: '紧急', color: 'red' }, warning: { text: '提醒', color: 'orange' }, info: { text: '通知', color: 'blue' },
}
const URGENT_TYPES = new Set(['deadline_breached', 'summary_overdue', 'subsidy_recovery_due', 'budget_exceeded',
  'webhook_endpoint_disabled', 'acceptance_failed'])

/**
 * How pressing an alert is (notify gives no level of its own): something overdue or gone wrong is 紧急;
 * a deadline within 7 days 提醒, a later one 通知 (the colours of the inbox's 剩余天数); the rest (拨付, 验收通过…) 通知.
 */
export function alertLevel(a: Pick<Alert, 'type' | 'days_left'>): AlertLevel {
  if (URGENT_TYPES.has(a.type)) return 'urgent'
  if (a.days_left !== null && a.days_left !== undefined) return a.days_left < 0 ? 'urgent' : a.days_left <= 7 ? 'warning' : 'info'
  return a.type === 'deadline_approaching' ? 'warning' : 'info'
}

/** Unread alerts for the header badge: counts one page of 100 (the badge shows 99+ beyond). */
export function useUnreadAlerts() {
  return useQuery({
    queryKey: ['notify', 'alerts', 'unread'],
    queryFn: async () => {
      const page = await api<Page<Alert>>('notify', '/alerts', { query: { read: false, limit: 100 } })
      return page.next_cursor ? 100 : page.items.length
    },
    refetchInterval: 30_000,
  })
}

export function markRead(id: number) {
  return api<Alert>('notify', `/alerts/${id}/read`, { method: 'POST' })
}
