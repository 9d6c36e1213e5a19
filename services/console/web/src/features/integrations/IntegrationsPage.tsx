import { useState } from 'react'
import { Alert, Button, Card, DatePicker, Form, Input, Modal, Popconfirm, Select, Space, Table, Tabs, Tag, Typography } from 'antd'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import type { Dayjs } from 'dayjs'
import { api } from '../../lib/api'
import { ymdhm } from '../../lib/format'
import { DELIVERY_STATUS, label, options, SCOPE, SUBSCRIPTION_STATUS } from '../../lib/labels'
import { useSession } from '../../lib/session'
import { CursorTable } from '../../components/CursorTable'
import { FormModalButton } from '../../components/FormModalButton'
import { ProblemAlert } from '../../components/ProblemAlert'

interface Subscription { id: string; url: string; event_types: string[]; description: string; status: string; disabled_reason: string | null; created_at: string }
interface Delivery { id: number; subscription_id: string; event_id: string; event_type: string; subject: string; status: string; attempts: number; next_attempt_at: string | null; last_status_code: number | null; last_error: string | null; delivered_at: string | null; created_at: string }
interface Attempt { id: number; attempted_at: string; status_code: number | null; latency_ms: number; outcome: string; response_excerpt: string; error: string | null }
interface Inbound { id: string; scope: string; name: string; created_at: string; rotated_at: string | null }

const COMMON_EVENTS = ['fc.project.approved', 'fc.acceptance.requested', 'fc.acceptance.district_reviewed', 'fc.acceptance.passed',
  'fc.acceptance.failed', 'fc.subsidy.approved', 'fc.subsidy.disbursed', 'fc.subsidy.recovery_due', 'fc.deadline.approaching',
  'fc.deadline.breached', 'fc.bulletin.published', 'fc.project.named']

/** A secret shown exactly once, with a copy button. */
export function SecretOnce({ secret, onClose }: { secret: string | null; onClose: () => void }) {
  const [copied, setCopied] = useState(false)
  return (
    <Modal open={!!secret} title="请立即保存签名密钥" onOk={onClose} onCancel={onClose} okText="我已保存" cancelButtonProps={{ style: { display: 'none' } }}>
      <Alert type="warning" showIcon message="密钥只显示这一次，关闭后无法再次查看。" style={{ marginBottom: 12 }} />
      <Space.Compact style={{ width: '100%' }}>
        <Input readOnly value={secret ?? ''} data-testid="secret-once" aria-label="签名密钥" />
        <Button onClick={async () => { await navigator.clipboard?.writeText(secret ?? ''); setCopied(true) }}>{copied ? '已复制' : '复制'}</Button>
      </Space.Compact>
    </Modal>
  )
}

function DeliveryAttempts({ id }: { id: number }) {
  const q = useQuery({ queryKey: ['notify', 'delivery', id], queryFn: () => api<Delivery & { attempt_log: Attempt[] }>('notify', `/deliveries/${id}`) })
  if (q.error) return <ProblemAlert error={q.error} />
  return (
    <Table<Attempt> size="small" rowKey="id" pagination={false} dataSource={q.data?.attempt_log ?? []} columns={[
      { title: '时间', dataIndex: 'attempted_at', render: ymdhm },
      { title: '状态码', dataIndex: 'status_code', render: (c: number | null) => c ?? '—' },
      { title: '耗时（毫秒）', dataIndex: 'latency_ms' },
      { title: '结果', dataIndex: 'outcome', render: (o: string) => o === 'success' ? <Tag color="green">成功</Tag> : o === 'gone' ? <Tag>已注销</Tag> : <Tag color="red">失败</Tag> },
      { title: '错误', dataIndex: 'error', render: (e: string | null) => e ?? '—' },
    ]} />
  )
}

/**
 * Deletes a subscription after a confirmation (notify: DELETE /subscriptions/{id}, the office or its own integrator):
 * deliveries to the endpoint stop, pending ones are given up, and the delivery log stays.
 */
export function DeleteSubscriptionButton({ subscription, onDeleted, onError }: {
  subscription: Pick<Subscription, 'id' | 'url'>
  onDeleted: () => unknown
  onError: (e: unknown) => void
}) {
  return (
    <Popconfirm title="删除订阅" okText="删除" cancelText="取消" okButtonProps={{ danger: true }}
      description={<div style={{ maxWidth: 320 }}>删除后不再向 {subscription.url} 推送事件，未完成的投递将放弃，投递记录保留。确定删除？</div>}
      onConfirm={async () => {
        try {
          await api('notify', `/subscriptions/${subscription.id}`, { method: 'DELETE' })
          await onDeleted()
        } catch (e) {
          onError(e)
        }
      }}>
      <Button size="small" danger>删除</Button>
    </Popconfirm>
  )
}

export function Subscriptions({ canManage }: { canManage: boolean }) {
  const qc = useQueryClient()
  const [secret, setSecret] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const done = () => qc.invalidateQueries({ queryKey: ['notify'] })
  async function act(path: string) {
    setError(null)
    try { await api('notify', path, { method: 'POST' }); await done() } catch (e) { setError(e) }
  }
  async function rotate(id: string) {
    setError(null)
    try { const r = await api<{ secret: string }>('notify', `/subscriptions/${id}/rotate`, { method: 'POST' }); setSecret(r.secret); await done() } catch (e) { setError(e) }
  }
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {canManage && (
        <FormModalButton<{ url: string; event_types?: string[]; description?: string }> label="新建订阅" title="新建 Webhook 订阅" buttonProps={{ type: 'primary' }}
          onSubmit={(v) => api<{ secret: string }>('notify', '/subscriptions', { json: { url: v.url, event_types: v.event_types ?? [], description: v.description ?? '' } })}
          onDone={(r) => { setSecret((r as { secret: string }).secret); void done() }}>
          <Form.Item name="url" label="接收地址（https）" rules={[{ required: true, message: '请填写接收地址' }]}><Input aria-label="接收地址" /></Form.Item>
          <Form.Item name="event_types" label="事件类型（留空为全部）"><Select mode="tags" options={COMMON_EVENTS.map((e) => ({ value: e, label: e }))} aria-label="事件类型" /></Form.Item>
          <Form.Item name="description" label="说明"><Input /></Form.Item>
        </FormModalButton>
      )}
      <ProblemAlert error={error} onClose={() => setError(null)} />
      <CursorTable<Subscription> service="notify" path="/subscriptions" rowKey="id" columns={[
        { title: '接收地址', dataIndex: 'url' },
        { title: '事件', dataIndex: 'event_types', render: (t: string[]) => t.length ? t.join('、') : '全部' },
        { title: '说明', dataIndex: 'description' },
        { title: '状态', dataIndex: 'status', render: (x: string, r) => <Tag color={x === 'active' ? 'green' : x === 'disabled' ? 'red' : 'default'} title={r.disabled_reason ?? ''}>{label(SUBSCRIPTION_STATUS, x)}</Tag> },
        { title: '创建时间', dataIndex: 'created_at', render: ymdhm },
        ...(canManage ? [{ title: '操作', key: 'op', render: (_: unknown, r: Subscription) => (
          <Space wrap>
            {r.status === 'active' ? <Button size="small" onClick={() => act(`/subscriptions/${r.id}/pause`)}>暂停</Button>
              : <Button size="small" onClick={() => act(`/subscriptions/${r.id}/resume`)}>恢复</Button>}
            <Button size="small" onClick={() => rotate(r.id)}>更换密钥</Button>
            <FormModalButton<{ since: Dayjs }> label="重放" title="重放历史事件" buttonProps={{ size: 'small' }}
              onSubmit={(v) => api('notify', `/subscriptions/${r.id}/replay`, { json: { since: v.since.toISOString() } })} onDone={done}>
              <Form.Item name="since" label="自此时间起" rules={[{ required: true }]}><DatePicker showTime format="YYYY-MM-DD HH:mm" /></Form.Item>
            </FormModalButton>
            <DeleteSubscriptionButton subscription={r} onDeleted={() => { setError(null); return done() }} onError={setError} />
          </Space>
        ) }] : []),
      ]} />
      <SecretOnce secret={secret} onClose={() => setSecret(null)} />
    </Space>
  )
}

function Deliveries({ canManage }: { canManage: boolean }) {
  const qc = useQueryClient()
  const [status, setStatus] = useState<string | undefined>()
  const [error, setError] = useState<unknown>(null)
  async function retry(id: number) {
    setError(null)
    try { await api('notify', `/deliveries/${id}/retry`, { method: 'POST' }); await qc.invalidateQueries({ queryKey: ['notify'] }) } catch (e) { setError(e) }
  }
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Select allowClear placeholder="投递状态" value={status} onChange={setStatus} options={options(DELIVERY_STATUS)} style={{ width: 140 }} aria-label="投递状态" />
      <ProblemAlert error={error} onClose={() => setError(null)} />
      <CursorTable<Delivery> service="notify" path="/deliveries" query={{ status }} rowKey="id"
        expandable={{ expandedRowRender: (d) => <DeliveryAttempts id={d.id} /> }} columns={[
          { title: '时间', dataIndex: 'created_at', render: ymdhm },
          { title: '事件', dataIndex: 'event_type' },
          { title: '对象', dataIndex: 'subject' },
          { title: '状态', dataIndex: 'status', render: (x: string) => <Tag color={x === 'delivered' ? 'green' : x === 'failed' ? 'red' : 'blue'}>{label(DELIVERY_STATUS, x)}</Tag> },
          { title: '尝试次数', dataIndex: 'attempts' },
          { title: '最近状态码', dataIndex: 'last_status_code', render: (c: number | null) => c ?? '—' },
          { title: '下次尝试', dataIndex: 'next_attempt_at', render: ymdhm },
          ...(canManage ? [{ title: '操作', key: 'op', render: (_: unknown, d: Delivery) => d.status !== 'delivered' &&
            <Button size="small" onClick={() => retry(d.id)}>立即重试</Button> }] : []),
        ]} />
    </Space>
  )
}

function InboundIntegrations() {
  const qc = useQueryClient()
  const [secret, setSecret] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  async function rotate(id: string) {
    setError(null)
    try { const r = await api<{ secret: string }>('inspection', `/integrations/${id}/secret`, { method: 'POST' }); setSecret(r.secret) } catch (e) { setError(e) }
  }
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Paragraph type="secondary">省市系统以 Standard Webhooks 签名回传验收结果：POST /api/v1/integrations/&#123;id&#125;/results。</Typography.Paragraph>
      <FormModalButton<{ scope: string; name: string }> label="新建回传对接" title="新建结果回传对接" buttonProps={{ type: 'primary' }} initialValues={{ scope: 'city' }}
        onSubmit={(v) => api<{ secret: string }>('inspection', '/integrations', { json: v })}
        onDone={(r) => { setSecret((r as { secret: string }).secret); void qc.invalidateQueries({ queryKey: ['inspection'] }) }}>
        <Form.Item name="name" label="名称" rules={[{ required: true }]}><Input /></Form.Item>
        <Form.Item name="scope" label="层级" rules={[{ required: true }]}><Select options={options(SCOPE)} /></Form.Item>
      </FormModalButton>
      <ProblemAlert error={error} onClose={() => setError(null)} />
      <CursorTable<Inbound> service="inspection" path="/integrations" rowKey="id" columns={[
        { title: '名称', dataIndex: 'name' },
        { title: '层级', dataIndex: 'scope', render: (x: string) => label(SCOPE, x) },
        { title: '编号', dataIndex: 'id' },
        { title: '创建时间', dataIndex: 'created_at', render: ymdhm },
        { title: '密钥更换', dataIndex: 'rotated_at', render: ymdhm },
        { title: '操作', key: 'op', render: (_: unknown, r) => <Button size="small" onClick={() => rotate(r.id)}>更换密钥</Button> },
      ]} />
      <SecretOnce secret={secret} onClose={() => setSecret(null)} />
    </Space>
  )
}

export function IntegrationsPage() {
  const s = useSession()
  const canManage = s.role === 'district_office' || s.role === 'integration'
  return (
    <Card title={<Typography.Title level={4} className="page-title">系统对接</Typography.Title>}>
      <Tabs items={[
        { key: 'subs', label: 'Webhook 订阅', children: <Subscriptions canManage={canManage} /> },
        { key: 'deliveries', label: '投递记录', children: <Deliveries canManage={canManage} /> },
        ...(s.role === 'district_office' ? [{ key: 'inbound', label: '结果回传', children: <InboundIntegrations /> }] : []),
      ]} />
    </Card>
  )
}
