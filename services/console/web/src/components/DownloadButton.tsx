import { useState } from 'react'
import { Button, Progress, Space } from 'antd'
import { DownloadOutlined } from '@ant-design/icons'
import { rawFetch } from '../lib/api'
import { ProblemAlert } from './ProblemAlert'

/** Downloads an export from the API, showing progress while the bytes arrive. */
export function DownloadButton({ url, filename, children = '导出 Excel' }: {
  url: string
  filename: string
  children?: React.ReactNode
}) {
  const [pct, setPct] = useState<number | null>(null)
  const [error, setError] = useState<unknown>(null)
  async function run() {
    setError(null)
    setPct(0)
    try {
      const res = await rawFetch(url, { headers: { Accept: '*/*' } })
      const total = Number(res.headers.get('content-length') ?? 0)
      const reader = res.body!.getReader()
      const chunks: BlobPart[] = []
      let got = 0
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        chunks.push(value)
        got += value.length
        setPct(total ? Math.round((got / total) * 100) : 50)
      }
      const blob = new Blob(chunks, { type: res.headers.get('content-type') ?? 'application/octet-stream' })
      const a = document.createElement('a')
      a.href = URL.createObjectURL(blob)
      a.download = filename
      a.click()
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
    } catch (e) {
      setError(e)
    } finally {
      setPct(null)
    }
  }
  return (
    <Space direction="vertical">
      <Space>
        <Button icon={<DownloadOutlined />} onClick={run} loading={pct !== null}>{children}</Button>
        {pct !== null && <Progress percent={pct} size="small" style={{ width: 120 }} />}
      </Space>
      {error ? <ProblemAlert error={error} onClose={() => setError(null)} /> : null}
    </Space>
  )
}
