import { ApiProblem } from '../lib/api'

/** multipart upload with progress (fetch has no upload progress, XMLHttpRequest does); problems become ApiProblem. */
export function uploadWithProgress<T>(url: string, form: FormData, onProgress: (pct: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url)
    xhr.setRequestHeader('X-Requested-With', 'fc-console')
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json')
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100))
    xhr.onerror = () => reject(new ApiProblem(0, { title: '网络错误', detail: '上传中断，请重试' }))
    xhr.onload = () => {
      let body: Record<string, unknown> = {}
      try { body = JSON.parse(xhr.responseText) } catch { body = { title: xhr.statusText } }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T)
      else reject(new ApiProblem(xhr.status, body))
    }
    xhr.send(form)
  })
}
