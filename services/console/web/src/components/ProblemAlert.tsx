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
 * Puts a validation problem's errors next to the form fields they name; returns true when one matched.
 * The form keeps every value the user typed.
 */
export function showProblemOnForm(form: FormInstance, error: unknown): boolean {
  if (!(error instanceof ApiProblem) || error.errors.length === 0) return false
  const names = new Set(Object.keys(form.getFieldsValue(true) ?? {}))
  let matched = false
  const fields = error.errors
    .map((e) => ({ path: ApiProblem.fieldPath(e), msg: e.msg }))
    .filter((f) => f.path.length > 0 && names.has(f.path[0]))
    .map((f) => {
      matched = true
      return { name: f.path.length > 1 ? f.path : f.path[0], errors: [f.msg] }
    })
  form.setFields(fields)
  return matched
}
