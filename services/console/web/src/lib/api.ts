// The one API client: every request goes to this origin (/api/<service>/…); the console adds the token.
// RFC 9457 problems become ApiProblem, the single error type forms and pages show.

export type Service = 'registry' | 'funding' | 'inspection' | 'notify'

export interface FieldError {
  loc: string[]
  msg: string
  type?: string
}

export class ApiProblem extends Error {
  readonly status: number
  readonly title: string
  readonly detail?: string
  readonly type: string
  readonly errors: FieldError[]
  readonly body: Record<string, unknown>

  constructor(status: number, body: Record<string, unknown>) {
    const title = typeof body.title === 'string' ? body.title : `HTTP ${status}`
    const detail = typeof body.detail === 'string' ? body.detail : undefined
    super(detail ? `${title}: ${detail}` : title)
    this.name = 'ApiProblem'
    this.status = status
    this.title = title
    this.detail = detail
    this.type = typeof body.type === 'string' ? body.type : 'about:blank'
    this.errors = Array.isArray(body.errors) ? (body.errors as FieldError[]) : []
    this.body = body
  }

  /** The field a validation error points at, without the "body" prefix: ["level"] or ["final_expenditure_fen", "construction"]. */
  static fieldPath(err: FieldError): string[] {
    const loc = err.loc.map(String)
    return loc[0] === 'body' || loc[0] === 'query' || loc[0] === 'path' ? loc.slice(1) : loc
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>

export interface RequestOptions {
  method?: string
  query?: Query
  json?: unknown
  body?: BodyInit
  headers?: Record<string, string>
  signal?: AbortSignal
}

export function apiUrl(service: Service, path: string, query?: Query): string {
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') qs.set(k, String(v))
  }
  const s = qs.toString()
  return `/api/${service}/api/v1${path}${s ? `?${s}` : ''}`
}

const listeners = new Set<() => void>()
/** Called when any request answers 401: the session ended; the app sends the user to sign in. */
export function onUnauthorized(fn: () => void): () => void {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

export async function toProblem(res: Response): Promise<ApiProblem> {
  let body: Record<string, unknown> = {}
  const text = await res.text()
  try {
    const parsed = JSON.parse(text)
    if (parsed && typeof parsed === 'object') body = parsed
  } catch {
    body = { title: res.statusText || `HTTP ${res.status}`, detail: text.slice(0, 300) || undefined }
  }
  return new ApiProblem(res.status, body)
}

export async function rawFetch(url: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', ...opts.headers }
  const method = opts.method ?? (opts.json !== undefined || opts.body ? 'POST' : 'GET')
  if (method !== 'GET' && method !== 'HEAD') headers['X-Requested-With'] = 'fc-console'
  let body = opts.body
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.json)
  }
  let res: Response
  try {
    res = await fetch(url, { method, headers, body, signal: opts.signal, credentials: 'same-origin' })
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e
    throw new ApiProblem(0, { title: '网络错误', detail: '无法连接工作台服务，请检查网络后重试' })
  }
  if (!res.ok) {
    const problem = await toProblem(res)
    if (res.status === 401 && !url.startsWith('/auth/')) listeners.forEach((fn) => fn())
    throw problem
  }
  return res
}

export async function api<T>(service: Service, path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await rawFetch(apiUrl(service, path, opts.query), opts)
  if (res.status === 204 || res.status === 202 && res.headers.get('content-length') === '0') return undefined as T
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

/** Every item of a list, page by page (for the map and charts, never for tables). */
export async function fetchAll<T>(service: Service, path: string, query: Query = {}, max = 5000): Promise<T[]> {
  const out: T[] = []
  let cursor: string | null = null
  do {
    const page: Page<T> = await api<Page<T>>(service, path, { query: { ...query, limit: 500, cursor } })
    out.push(...page.items)
    cursor = page.next_cursor
  } while (cursor && out.length < max)
  return out
}
