import { createBrowserRouter, Navigate } from 'react-router-dom'
import { Shell } from './Shell'
import { SignInPage } from '../features/auth/SignInPage'
import { BoardPage } from '../features/board/BoardPage'
import { ProjectsPage } from '../features/projects/ProjectsPage'
import { ProjectPage } from '../features/projects/ProjectPage'
import { CommunitiesPage } from '../features/communities/CommunitiesPage'
import { CommunityPage } from '../features/communities/CommunityPage'
import { AcceptancePage } from '../features/acceptance/AcceptancePage'
import { WorkPage } from '../features/work/WorkPage'
import { BulletinsPage } from '../features/bulletins/BulletinsPage'
import { FundingPage } from '../features/funding/FundingPage'
import { AlertsPage } from '../features/alerts/AlertsPage'
import { IntegrationsPage } from '../features/integrations/IntegrationsPage'
import { PublicPage } from '../features/public/PublicPage'
import { HomeRedirect } from './HomeRedirect'

export const router = createBrowserRouter([
  { path: '/signin', element: <SignInPage /> },
  { path: '/public', element: <PublicPage /> },
  {
    path: '/',
    element: <Shell />,
    children: [
      { index: true, element: <HomeRedirect /> },
      { path: 'board', element: <BoardPage /> },
      { path: 'projects', element: <ProjectsPage /> },
      { path: 'projects/:id', element: <ProjectPage /> },
      { path: 'communities', element: <CommunitiesPage /> },
      { path: 'communities/:id', element: <CommunityPage /> },
      { path: 'acceptance', element: <AcceptancePage /> },
      { path: 'work', element: <WorkPage /> },
      { path: 'bulletins', element: <BulletinsPage /> },
      { path: 'funding', element: <FundingPage /> },
      { path: 'alerts', element: <AlertsPage /> },
      { path: 'integrations', element: <IntegrationsPage /> },
      { path: '*', element: <Navigate to="/" replace /> },
    ],
  },
])
