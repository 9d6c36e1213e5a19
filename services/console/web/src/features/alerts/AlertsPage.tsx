import { useState } from 'react'
import { Button, Card, Select, Space, Tag, Typography } from 'antd'
import { useQueryClient } from '@tanstack/react-query'
import { Link } from 'react-router-dom'
import { CursorTable } from '../../components/CursorTable'
import { ProblemAlert } from '../../components/ProblemAlert'
import { daysLeftText, ymdhm } from '../../lib/format'
import type { Alert } from './api'
import { markRead } from './api'

export function AlertsPage() {
  const [read, setRead] = useState<string>('false')
  const [error, setError] = useState<unknown>(null)
  const qc = useQueryClient()
  async function onRead(id: number) {
    setError(null)
    try {
      await markRead(id)
      await qc.invalidateQueries({ queryKey: ['notify'] })
    } catch (e) {
      setError(e)
    }
  }
  return (
    <Card title={<Typography.Title level={4} className="page-title">预警提醒</Typography.Title>}>
      <Space className="filters">
        <Select value={read} onChange={setRead} style={{ width: 140 }} aria-label="阅读状态"
          options={[{ value: 'false', label: '未读' }, { value: 'true', label: '已读' }, { value: '', label: '全部' }]} />
      </Space>
      <ProblemAlert error={error} onClose={() => setError(null)} />
      <CursorTable<Alert> service="notify" path="/alerts" query={{ read }} rowKey="id" columns={[
        { title: '时间', dataIndex: 'created_at', render: ymdhm },
        { title: '标题', dataIndex: 'title' },
        { title: '内容', dataIndex: 'message' },
        { title: '剩余天数', dataIndex: 'days_left', render: (d: number | null) => d === null ? '—' :
          <Tag color={d < 0 ? 'red' : d <= 7 ? 'orange' : 'blue'}>{daysLeftText(d)}</Tag> },
        { title: '项目', dataIndex: 'project_id', render: (id: string | null) => id ? <Link to={`/projects/${id}`}>查看</Link> : '—' },
        { title: '状态', dataIndex: 'read', render: (r: boolean) => r ? <Tag>已读</Tag> : <Tag color="red">未读</Tag> },
        { title: '操作', render: (_: unknown, a: Alert) => a.read ? null :
          <Button size="small" onClick={() => onRead(a.id)}>标为已读</Button> },
      ]} />
    </Card>
  )
}
