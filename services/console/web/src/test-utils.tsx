// Test helpers: the providers every page needs, and a fetch double that answers by method and path and
// records what was sent (method, path with query, headers, parsed JSON body).
import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { App as AntApp, ConfigProvider } from 'antd'
import zhCN from 'antd/locale/zh_CN'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { vi } from 'vitest'

export interface Sent { method: string; url: string; headers: Record<string, string>; json?: unknown }
type Answer = { status?: number; json?: unknown } | ((sent: Sent) => { status?: number; json?: unknown })

/** routes: "METHOD /path" (without the query) → answer; anything else is a 404 problem. */
export function mockFetch(routes: Record<string, Answer>) {
  const sent: Sent[] = []
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input)
    const method = (init.method ?? 'GET').toUpperCase()
    const headers = Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]))
    const one: Sent = { method, url, headers, json: typeof init.body === 'string' ? JSON.parse(init.body) : undefined }
    sent.push(one)
    const route = routes[`${method} ${url.split('?')[0]}`]
    const answer = typeof route === 'function' ? route(one) : route
    const status = answer?.status ?? (answer ? 200 : 404)
    const body = answer ? answer.json : { type: 'about:blank', title: 'Not Found', status: 404, detail: `no route ${method} ${url}` }
    return new Response(body === undefined ? null : JSON.stringify(body), { status,
      headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' } })
  })
  vi.stubGlobal('fetch', fetchMock)
  return sent
}

export function renderWithProviders(ui: React.ReactElement) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  // As main.tsx sets them up (zh_CN, no space inserted between two Chinese characters of a button).
  return render(
    <ConfigProvider locale={zhCN} button={{ autoInsertSpace: false }}>
      <AntApp><QueryClientProvider client={qc}>{ui}</QueryClientProvider></AntApp>
    </ConfigProvider>)
}

/** Types into a text field at once (a paste: antd re-renders on every key). */
export async function fill(input: HTMLElement, text: string) {
  await userEvent.click(input)
  await userEvent.paste(text)
}

/** An antd DatePicker found by its aria-label: typed and confirmed with Enter. */
export async function fillDate(label: string, value: string) {
  const input = screen.getByLabelText(label)
  await userEvent.click(input)
  await userEvent.type(input, `${value}{enter}`)
}

/** Opens the antd Select with this aria-label and picks the option titled so. */
export async function chooseOption(label: string, option: string) {
  const combo = screen.getByRole('combobox', { name: label })
  fireEvent.mouseDown(combo.closest('.ant-select-selector') ?? combo)
  const item = await waitFor(() => {
    const el = [...document.querySelectorAll<HTMLElement>('.ant-select-item-option')].find((o) => o.getAttribute('title') === option)
    if (!el) throw new Error(`no option ${option}`)
    return el
  })
  await userEvent.click(item)
}
