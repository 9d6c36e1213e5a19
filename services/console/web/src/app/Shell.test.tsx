import { afterEach, describe, expect, it, vi } from 'vitest'
import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { createMemoryRouter, RouterProvider, useLocation } from 'react-router-dom'
import { rawFetch } from '../lib/api'
import { mockFetch, renderWithProviders } from '../test-utils'
import { sessionCheckDelayMs, Shell, signInPath } from './Shell'

function Where() {
  const l = useLocation()
  return <div data-testid="where">{l.pathname + l.search}</div>
}

function app(at: string) {
  const router = createMemoryRouter([
    { path: '/signin', element: <Where /> },
    { path: '/', element: <Shell />, children: [{ path: 'bulletins', element: <Where /> }] },
  ], { initialEntries: [at] })
  renderWithProviders(<RouterProvider router={router} />)
  return router
}

const SESSION = { sub: 'u', role: 'integration', scope: 'city', expires_at: Math.floor(Date.now() / 1000) + 3600 }
const UNAUTHORIZED = { status: 401, json: { type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'expired' } }

describe('sign-out and the end of a session', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('sends a visitor without a session to sign in, to come back to the same page', async () => {
    mockFetch({ 'GET /auth/session': UNAUTHORIZED })
    app('/bulletins?month=2026-10#trend')
    await waitFor(() => expect(screen.getByTestId('where')).toHaveTextContent(
      `/signin?next=${encodeURIComponent('/bulletins?month=2026-10#trend')}`))
    expect(screen.getByTestId('where').textContent).not.toContain('expired')
  })

  it('when the session ends mid-work (a 401 from the proxy), returns to sign-in saying so, keeping the page', async () => {
    let signedIn = true
    mockFetch({
      'GET /auth/session': () => (signedIn ? { json: SESSION } : UNAUTHORIZED),
      'GET /api/inspection/api/v1/bulletins': UNAUTHORIZED,
    })
    app('/bulletins?month=2026-10')
    await screen.findByTestId('whoami')
    signedIn = false
    await expect(rawFetch('/api/inspection/api/v1/bulletins')).rejects.toMatchObject({ status: 401 })
    await waitFor(() => expect(screen.getByTestId('where')).toHaveTextContent(
      `/signin?next=${encodeURIComponent('/bulletins?month=2026-10')}&expired=1`))
  })

  it('signs out through the server (which alone can clear the HttpOnly cookie), then shows sign-in', async () => {
    const sent = mockFetch({ 'GET /auth/session': { json: SESSION }, 'POST /auth/signout': { status: 204 } })
    app('/bulletins')
    await userEvent.click(await screen.findByRole('button', { name: /退出/ }))
    await waitFor(() => expect(screen.getByTestId('where')).toHaveTextContent(/^\/signin$/))
    const out = sent.find((r) => r.url === '/auth/signout')
    expect(out?.method).toBe('POST')
    expect(out?.headers['x-requested-with']).toBe('fc-console')
  })

  it('keeps the user where they are when sign-out fails', async () => {
    mockFetch({ 'GET /auth/session': { json: SESSION }, 'POST /auth/signout': { status: 503, json: { title: 'Service Unavailable', status: 503 } } })
    app('/bulletins')
    await userEvent.click(await screen.findByRole('button', { name: /退出/ }))
    expect(await screen.findByText(/退出失败/)).toBeInTheDocument()
    expect(screen.getByTestId('where')).toHaveTextContent('/bulletins')
  })

  it('looks at the session again 30 s before it ends, or just after when less is left', () => {
    const now = 1_000_000_000_000
    expect(sessionCheckDelayMs(now / 1000 + 3600, now)).toBe(3_570_000)
    expect(sessionCheckDelayMs(now / 1000 + 20, now)).toBe(21_000)
    expect(sessionCheckDelayMs(now / 1000 - 5, now)).toBe(1_000)
    expect(signInPath({ pathname: '/funding', search: '?year=2025', hash: '' }, true)).toBe('/signin?next=%2Ffunding%3Fyear%3D2025&expired=1')
  })
})
