import { createContext, useContext } from 'react'

export type Role = 'district_office' | 'street' | 'department' | 'finance' | 'integration' | 'auditor'

export interface Session {
  sub: string
  role: Role
  street_code?: string | null
  department_code?: string | null
  scope?: string | null
  expires_at: number
}

export const SessionContext = createContext<Session | null>(null)

export function useSession(): Session {
  const s = useContext(SessionContext)
  if (!s) throw new Error('useSession outside a signed-in page')
  return s
}

/** The areas of the console and who sees them in the menu (the APIs still decide every request). */
export const AREAS = {
  board: ['district_office', 'street', 'department', 'finance', 'auditor'],
  projects: ['district_office', 'street', 'department', 'finance', 'auditor'],
  communities: ['district_office', 'street', 'auditor'],
  acceptance: ['district_office', 'street', 'department', 'integration', 'auditor'],
  work: ['district_office', 'street', 'department', 'auditor'],
  bulletins: ['district_office', 'street', 'department', 'finance', 'integration', 'auditor'],
  funding: ['district_office', 'street', 'finance', 'auditor'],
  alerts: ['district_office', 'street', 'finance', 'auditor'],
  integrations: ['district_office', 'integration', 'auditor'],
} satisfies Record<string, Role[]>

export type Area = keyof typeof AREAS

export function canSee(role: Role, area: Area): boolean {
  return (AREAS[area] as Role[]).includes(role)
}
