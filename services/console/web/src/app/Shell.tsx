import { useEffect, useMemo, useRef } from 'react'
import { App, Badge, Button, Layout, Menu, Result, Spin, Typography } from 'antd'
import {
  AlertOutlined, ApartmentOutlined, AuditOutlined, BarChartOutlined, BellOutlined, FundOutlined,
  FileSearchOutlined, HomeOutlined, LogoutOutlined, ProjectOutlined, ScheduleOutlined, ApiOutlined,
} from '@ant-design/icons'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, Outlet, useLocation, useNavigate } from 'react-router-dom'
import { ApiProblem, onUnauthorized, rawFetch } from '../lib/api'
import type { Area, Session } from '../lib/session'
import { canSee, SessionContext } from '../lib/session'
import { DEPARTMENT, label, ROLE, SCOPE } from '../lib/labels'
import { useUnreadAlerts } from '../features/alerts/api'

const MENU: { area: Area; path: string; text: string; icon: React.ReactNode }[] = [
  { area: 'board', path: '/board', text: '挂图作战', icon: <HomeOutlined /> },
  { area: 'projects', path: '/projects', text: '创建项目', icon: <ProjectOutlined /> },
  { area: 'communities', path: '/communities', text: '社区档案', icon: <ApartmentOutlined /> },
  { area: 'acceptance', path: '/acceptance', text: '验收', icon: <AuditOutlined /> },
  { area: 'work', path: '/work', text: '工作推进', icon: <ScheduleOutlined /> },
  { area: 'bulletins', path: '/bulletins', text: '评价通报', icon: <BarChartOutlined /> },
  { area: 'funding', path: '/funding', text: '资金', icon: <FundOutlined /> },
  { area: 'alerts', path: '/alerts', text: '预警提醒', icon: <AlertOutlined /> },
  { area: 'integrations', path: '/integrations', text: '系统对接', icon: <ApiOutlined /> },
  { area: 'audit', path: '/audit', text: '操作审计', icon: <FileSearchOutlined /> },
]

export function whoAmI(s: Session): string {
  const scope = s.street_code ?? (s.department_code ? label(DEPARTMENT, s.department_code) : null)
    ?? (s.scope ? label(SCOPE, s.scope) : null)
  return `${label(ROLE, s.role)}${scope ? ` · ${scope}` : ''}`
}

/** The sign-in page, coming back afterwards to exactly this page (path, query and hash). */
export function signInPath(here: { pathname: string; search: string; hash: string }, expired: boolean): string {
  const next = encodeURIComponent(here.pathname + here.search + here.hash)
  return `/signin?next=${next}${expired ? '&expired=1' : ''}`
}

/** When to look at the session again: shortly before it ends (the console renews it then, where it can), else just after. */
export function sessionCheckDelayMs(expiresAt: number, nowMs: number, leadMs = 30_000): number {
  const left = expiresAt * 1000 - nowMs
  return Math.max(1_000, left > leadMs + 1_000 ? left - leadMs : left + 1_000)
}

export function menuFor(role: Session['role']) {
  return MENU.filter((m) => canSee(role, m.area))
}

function AlertBadge() {
  const unread = useUnreadAlerts()
  return (
    <Link to="/alerts" aria-label={`未读预警 ${unread.data ?? 0} 条`}>
      <Badge count={unread.data ?? 0} overflowCount={99} data-testid="unread-alerts">
        <BellOutlined style={{ fontSize: 18 }} />
      </Badge>
    </Link>
  )
}

export function Shell() {
  const navigate = useNavigate()
  const location = useLocation()
  const qc = useQueryClient()
  const { message } = App.useApp()
  const session = useQuery({
    queryKey: ['session'],
    queryFn: async () => (await (await rawFetch('/auth/session')).json()) as Session,
    retry: false,
    staleTime: 60_000,
  })
  // Any 401 from the proxy: ask /auth/session again (it renews an OIDC session where it can); if that is 401 too,
  // the session is over and the user signs in again, then comes back to this very page.
  useEffect(() => onUnauthorized(() => qc.invalidateQueries({ queryKey: ['session'] })), [qc])
  const expiresAt = session.data?.expires_at
  useEffect(() => {
    if (!expiresAt) return
    const timer = window.setTimeout(() => qc.invalidateQueries({ queryKey: ['session'] }), sessionCheckDelayMs(expiresAt, Date.now()))
    return () => window.clearTimeout(timer)
  }, [expiresAt, qc])
  const wasSignedIn = useRef(false)
  if (session.data) wasSignedIn.current = true
  const unauth = session.error instanceof ApiProblem && session.error.status === 401
  useEffect(() => {
    if (unauth) navigate(signInPath(location, wasSignedIn.current), { replace: true })
  }, [unauth, navigate, location])
  const items = useMemo(() => session.data ? menuFor(session.data.role) : [], [session.data])

  if (session.isPending || unauth) return <Spin fullscreen tip="正在加载…" />
  if (session.error) return <Result status="error" title="无法加载登录状态" subTitle={String(session.error.message)} />
  const s = session.data!
  const selected = items.find((m) => location.pathname.startsWith(m.path))?.path

  async function signout() {
    try {
      await rawFetch('/auth/signout', { method: 'POST' }) // clears the HttpOnly cookies: only the server can
    } catch (e) {
      message.error(`退出失败：${(e as Error).message}`)
      return
    }
    navigate('/signin', { replace: true })
    qc.clear()
  }

  return (
    <SessionContext.Provider value={s}>
      <Layout style={{ minHeight: '100%' }}>
        <Layout.Sider width={200} theme="light" breakpoint="lg" collapsedWidth={0}>
          <div style={{ padding: '16px 20px', fontWeight: 600, fontSize: 16 }}>未来社区工作台</div>
          <Menu mode="inline" selectedKeys={selected ? [selected] : []} aria-label="主菜单"
            items={items.map((m) => ({ key: m.path, icon: m.icon, label: <Link to={m.path}>{m.text}</Link> }))} />
        </Layout.Sider>
        <Layout>
          <Layout.Header style={{ background: '#fff', display: 'flex', justifyContent: 'space-between',
            alignItems: 'center', padding: '0 24px', borderBottom: '1px solid #f0f0f0' }}>
            <div />
            <div className="header-right">
              {canSee(s.role, 'alerts') && <AlertBadge />}
              <Typography.Text data-testid="whoami">{whoAmI(s)}</Typography.Text>
              <Button icon={<LogoutOutlined />} onClick={signout}>退出</Button>
            </div>
          </Layout.Header>
          <Layout.Content style={{ padding: 24 }}>
            <Outlet />
          </Layout.Content>
        </Layout>
      </Layout>
    </SessionContext.Provider>
  )
}
