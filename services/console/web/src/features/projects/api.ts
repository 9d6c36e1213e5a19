import { api } from '../../lib/api'

export interface Project {
  id: string
  name: string
  state: string
  type: string
  target_level: string
  street_code: string
  community_ids: string[]
  area_ha: number
  life_circle_minutes: number
  creation_period_months: number
  creation_period_reason?: string | null
  accepted_level?: string | null
  applied_on?: string | null
  approved_on?: string | null
  creation_deadline?: string | null
  task_year?: number | null
  accepted_on?: string | null
  named_on?: string | null
  created_on: string
  version: number
  warnings: string[]
  allowed_actions: string[]
}

export interface HistoryItem {
  action: string
  from_state: string | null
  to_state: string
  note: string | null
  by: string
  on: string | null
  at: string
}

export interface Milestone { id: string; project_id: string; title: string; planned_on: string; actual_on: string | null }

export const getProject = (id: string) => api<Project>('registry', `/projects/${id}`)
export const getHistory = (id: string) => api<HistoryItem[]>('registry', `/projects/${id}/history`)
export const getMilestones = (id: string) => api<Milestone[]>('registry', `/projects/${id}/milestones`)

export function transition(id: string, version: number, body: Record<string, unknown>) {
  return api<Project>('registry', `/projects/${id}/transitions`, { json: { ...body, expected_version: version } })
}
