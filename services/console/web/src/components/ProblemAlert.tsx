import { Alert } from 'antd'
import type { FormInstance } from 'antd'
import { ApiProblem } from '../lib/api'

const STATUS_HINT: Record<number, string> = {
  0: '网络错误', 400: '请求有误', 401: '未登录或登录已过期', 403: '无权进行此操作', 404: '未找到',
  409: '当前状态不允许此操作', 413: '文件过大', 415: '文件类型不支持', 422: '填写内容有误', 429: '请求过于频繁',
  502: '服务暂不可用', 503: '服务暂不可用', 504: '服务响应超时',
}

/** "409 当前状态不允许此操作" — the Chinese heading shown above the API's own title and detail. */
export function problemHeading(p: ApiProblem): string {
  const hint = STATUS_HINT[p.status] ?? (p.status >= 500 ? '服务出错' : '操作失败')
  return p.status ? `${hint}（${p.status} ${p.title}）` : hint
}

/** Shows an API problem's title and detail where the action that caused it is. */
export function ProblemAlert({ error, onClose }: { error: unknown; onClose?: () => void }) {
  if (!error) return null
  if (!(error instanceof ApiProblem)) {
    return <Alert type="error" showIcon message="操作失败" description={String((error as Error).message ?? error)} />
  }
  const fieldErrors = error.errors.map((e) => `${ApiProblem.fieldPath(e).join('.') || '请求'}：${e.msg}`)
  return (
    <Alert
      role="alert"
      type="error"
      showIcon
      closable={!!onClose}
      onClose={onClose}
      message={problemHeading(error)}
      description={
        <>
          {error.detail && <div className="problem-detail">{error.detail}</div>}
          {fieldErrors.length > 0 && (
            <ul className="problem-fields">{fieldErrors.map((t) => <li key={t}>{t}</li>)}</ul>
          )}
        </>
      }
    />
  )
}

/**
 * Where a form's field names differ from the API's: the API's field (its dotted path, e.g.
 * "final_expenditure_fen.construction", or its first name, e.g. "amount_fen") → the form's field name.
 */
export type FieldNames = Record<string, string>

/** The form field an API error path belongs to, through the FieldNames where the names differ. */
export function formFieldName(path: string[], fieldNames: FieldNames = {}): (string | number)[] {
  const whole = fieldNames[path.join('.')]
  if (whole !== undefined) return [whole]
  // A list's index comes back as text ("problems.0.text"); the form names it by number.
  const rest = path.slice(1).map((p) => (/^\d+$/.test(p) ? Number(p) : p))
  return [fieldNames[path[0]] ?? path[0], ...rest]
}

/**
 * Puts a validation problem's errors next to the form fields they name; returns true when one matched.
 * The form keeps every value the user typed.
 */
export function showProblemOnForm(form: FormInstance, error: unknown, fieldNames: FieldNames = {}): boolean {
  if (!(error instanceof ApiProblem) || error.errors.length === 0) return false
  // Every field of the form, a blank one too (getFieldsValue() lists the registered fields, (true) the stored values).
  const names = new Set([...Object.keys(form.getFieldsValue() ?? {}), ...Object.keys(form.getFieldsValue(true) ?? {})])
  const byField = new Map<string, { name: (string | number)[]; errors: string[] }>()
  for (const e of error.errors) {
    const path = ApiProblem.fieldPath(e)
    if (path.length === 0) continue
    const name = formFieldName(path, fieldNames)
    if (!names.has(String(name[0]))) continue
    const key = JSON.stringify(name)
    const entry = byField.get(key) ?? { name, errors: [] }
    entry.errors.push(e.msg)
    byField.set(key, entry)
  }
  form.setFields([...byField.values()].map((f) => ({ name: f.name.length > 1 ? f.name : f.name[0], errors: f.errors })))
  return byField.size > 0
}
