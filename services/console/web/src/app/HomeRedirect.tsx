import { Navigate } from 'react-router-dom'
import { useSession } from '../lib/session'

const HOME: Record<string, string> = {
  department: '/acceptance', integration: '/acceptance', finance: '/funding',
}

export function HomeRedirect() {
  const s = useSession()
  return <Navigate to={HOME[s.role] ?? '/board'} replace />
}
