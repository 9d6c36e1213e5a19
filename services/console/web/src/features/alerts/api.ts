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
