import { useState } from 'react'
import { Alert, Button, Card, DatePicker, Form, Input, Select, Space, Tag, Typography } from 'antd'
import { SafetyCertificateOutlined } from '@ant-design/icons'
import type { Service } from '../../lib/api'
import { api, apiUrl } from '../../lib/api'
import { districtDayRange, ymdhm } from '../../lib/format'
import { label, ROLE } from '../../lib/labels'
import { CursorTable } from '../../components/CursorTable'
import { DownloadButton } from '../../components/DownloadButton'
import { ProblemAlert } from '../../components/ProblemAlert'

export interface AuditEntry {
  id: number; at: string; actor: string; role: string; scope: string | null; action: string; resource: string
  resource_id: string | null; changes: Record<string, [unknown, unknown]>; request_id: string | null; route: string | null
  hash: string; prev_hash: string | null
}
interface Verification { service: string; ok: boolean; entries: number; head: string | null; first_broken: { seq: number; at: string; reason: string } | null }

export const SERVICES: { value: Service; label: string }[] = [
  { value: 'registry', label: '项目与档案' }, { value: 'funding', label: '资金' },
  { value: 'inspection', label: '验收与评价' }, { value: 'notify', label: '通知与对接' },
]
const ACTION: Record<string, { text: string; color: string }> = {
  create: { text: '新增', color: 'green' }, update: { text: '修改', color: 'blue' }, delete: { text: '删除', color: 'red' },
}

export interface AuditFilterValues {
  resource?: string; resource_id?: string; actor?: string; action?: string
  range?: [{ format: (f: string) => string } | null, { format: (f: string) => string } | null] | null
}

/** The filter form → the audit API's query: blanks left out, the days chosen as since/until in the district's time. */
export function auditQuery(v: AuditFilterValues): Record<string, string | undefined> {
  const text = (x?: string) => x?.trim() || undefined
  const [first, last] = v.range ?? [null, null]
  return {
    resource: text(v.resource), resource_id: text(v.resource_id), actor: text(v.actor), action: text(v.action),
    ...districtDayRange(first?.format('YYYY-MM-DD'), last?.format('YYYY-MM-DD')),
  }
}

/** One change as "field: old → new" (masked values arrive as *** and stay so). */
export function changeLines(changes: AuditEntry['changes']): string[] {
  const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v))
  return Object.entries(changes).map(([field, [before, after]]) => `${field}: ${show(before)} → ${show(after)}`)
}

function Verify({ service }: { service: Service }) {
  const [result, setResult] = useState<Verification | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  async function run() {
    setBusy(true); setError(null)
    try { setResult(await api<Verification>(service, '/audit/verify')) } catch (e) { setError(e) } finally { setBusy(false) }
  }
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Button icon={<SafetyCertificateOutlined />} onClick={run} loading={busy}>校验防篡改链</Button>
      {error ? <ProblemAlert error={error} /> : null}
      {result && (result.ok
        ? <Alert type="success" showIcon message={`链完整：共 ${result.entries} 条记录`} data-testid="audit-verify" />
        : <Alert type="error" showIcon data-testid="audit-verify"
            message={`链在第 ${result.first_broken!.seq} 条记录处断开（此前 ${result.entries} 条完整）`}
            description={result.first_broken!.reason} />)}
    </Space>
  )
}

export function AuditPage() {
  const [service, setService] = useState<Service>('registry')
  const [filters, setFilters] = useState<Record<string, string | undefined>>({})
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>操作审计</Typography.Title>
      <Card>
        <Form<AuditFilterValues> layout="inline" onFinish={(v) => setFilters(auditQuery(v))}>
          <Form.Item label="系统"><Select value={service} onChange={setService} options={SERVICES} style={{ width: 140 }} /></Form.Item>
          <Form.Item name="resource" label="资源类型"><Input placeholder="如 communities" allowClear /></Form.Item>
          <Form.Item name="resource_id" label="资源编号"><Input allowClear /></Form.Item>
          <Form.Item name="actor" label="操作人"><Input allowClear /></Form.Item>
          <Form.Item name="action" label="操作">
            <Select allowClear style={{ width: 100 }} options={Object.entries(ACTION).map(([value, a]) => ({ value, label: a.text }))} />
          </Form.Item>
          <Form.Item name="range" label="时间范围">
            <DatePicker.RangePicker format="YYYY-MM-DD" allowEmpty={[true, true]} placeholder={['开始日期', '结束日期']} />
          </Form.Item>
          <Form.Item><Button type="primary" htmlType="submit">查询</Button></Form.Item>
        </Form>
      </Card>
      <Space align="start" size="large">
        <Verify key={service} service={service} />
        <DownloadButton url={apiUrl(service, '/audit.xlsx', filters)} filename={`${service}-操作审计.xlsx`} />
      </Space>
      <CursorTable<AuditEntry> service={service} path="/audit" query={filters} rowKey="id" columns={[
        { title: '时间', dataIndex: 'at', render: ymdhm },
        { title: '操作人', dataIndex: 'actor' },
        { title: '角色', dataIndex: 'role', render: (r: string, e) => `${label(ROLE, r)}${e.scope ? ` · ${e.scope}` : ''}` },
        { title: '操作', dataIndex: 'action', render: (a: string) => <Tag color={ACTION[a]?.color}>{ACTION[a]?.text ?? a}</Tag> },
        { title: '资源', dataIndex: 'resource', render: (r: string, e) => `${r}${e.resource_id ? ` / ${e.resource_id}` : ''}` },
        { title: '变更（原值 → 新值）', dataIndex: 'changes', render: (c: AuditEntry['changes']) => (
          <div style={{ maxWidth: 480, whiteSpace: 'pre-wrap' }}>{changeLines(c).join('\n')}</div>) },
        { title: '接口', dataIndex: 'route', render: (r: string | null) => r ?? '—' },
        { title: '请求编号', dataIndex: 'request_id', render: (r: string | null) => r ?? '—' },
      ]} />
    </Space>
  )
}
