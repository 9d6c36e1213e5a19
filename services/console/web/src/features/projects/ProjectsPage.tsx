import { useState } from 'react'
import { Card, Form, Input, InputNumber, Select, Space, Typography } from 'antd'
import { useQuery } from '@tanstack/react-query'
import { Link, useNavigate } from 'react-router-dom'
import { api, fetchAll } from '../../lib/api'
import { LEVEL, label, options, STATE, TYPE } from '../../lib/labels'
import { ymd } from '../../lib/format'
import { useSession } from '../../lib/session'
import { CursorTable } from '../../components/CursorTable'
import { FormModalButton } from '../../components/FormModalButton'
import { StreetSelect, useStreetName } from '../../components/StreetSelect'
import type { Project } from './api'

interface Filters { street_code?: string; state?: string; type?: string; target_level?: string; name_contains?: string }

function NewProjectButton() {
  const navigate = useNavigate()
  const communities = useQuery({
    queryKey: ['registry', 'communities', 'all'],
    queryFn: () => fetchAll<{ id: string; name: string; street_code: string }>('registry', '/communities'),
  })
  return (
    <FormModalButton<{ name: string; community_ids: string[]; type: string; target_level: string; area_ha: number; life_circle_minutes: number }>
      label="新建项目" title="新建创建项目" buttonProps={{ type: 'primary' }}
      initialValues={{ type: 'renovation', target_level: 'city', life_circle_minutes: 15, area_ha: 20 }}
      onSubmit={(v) => api<Project>('registry', '/projects', { json: v })}
      onDone={(p) => navigate(`/projects/${(p as Project).id}`)}>
      <Form.Item name="name" label="项目名称" rules={[{ required: true, message: '请填写项目名称' }]}><Input /></Form.Item>
      <Form.Item name="community_ids" label="涉及社区（连片改造可多选）" rules={[{ required: true, message: '请选择社区' }]}>
        <Select mode="multiple" optionFilterProp="label" aria-label="涉及社区"
          options={(communities.data ?? []).map((c) => ({ value: c.id, label: `${c.name}（${c.street_code}）` }))} />
      </Form.Item>
      <Form.Item name="type" label="类型" rules={[{ required: true }]}><Select options={options(TYPE)} /></Form.Item>
      <Form.Item name="target_level" label="目标级别" rules={[{ required: true }]}><Select options={options(LEVEL)} /></Form.Item>
      <Form.Item name="area_ha" label="实施单元面积（公顷）" rules={[{ required: true }]}><InputNumber min={0.01} style={{ width: '100%' }} /></Form.Item>
      <Form.Item name="life_circle_minutes" label="生活圈（分钟）" rules={[{ required: true }]}>
        <Select options={[5, 10, 15].map((m) => ({ value: m, label: `${m} 分钟` }))} />
      </Form.Item>
    </FormModalButton>
  )
}

export function ProjectsPage() {
  const session = useSession()
  const streetName = useStreetName()
  const [f, setF] = useState<Filters>({})
  const set = (k: keyof Filters) => (v: string | undefined) => setF((cur) => ({ ...cur, [k]: v || undefined }))
  return (
    <Card title={<Typography.Title level={4} className="page-title">创建项目</Typography.Title>}
      extra={session.role === 'district_office' || session.role === 'street' ? <NewProjectButton /> : null}>
      <Space className="filters">
        {session.role !== 'street' && <StreetSelect value={f.street_code} onChange={set('street_code')} />}
        <Select allowClear placeholder="阶段" style={{ width: 140 }} options={options(STATE)} onChange={set('state')} aria-label="阶段" />
        <Select allowClear placeholder="类型" style={{ width: 170 }} options={options(TYPE)} onChange={set('type')} aria-label="类型" />
        <Select allowClear placeholder="目标级别" style={{ width: 120 }} options={options(LEVEL)} onChange={set('target_level')} aria-label="目标级别" />
        <Input.Search allowClear placeholder="项目名称" onSearch={(v) => set('name_contains')(v)} style={{ width: 200 }} aria-label="项目名称" />
      </Space>
      <CursorTable<Project> service="registry" path="/projects" query={{ ...f }} rowKey="id" columns={[
        { title: '项目名称', dataIndex: 'name', render: (n: string, p) => <Link to={`/projects/${p.id}`}>{n}</Link> },
        { title: '街道', dataIndex: 'street_code', render: streetName },
        { title: '类型', dataIndex: 'type', render: (t: string) => label(TYPE, t) },
        { title: '目标级别', dataIndex: 'target_level', render: (t: string) => label(LEVEL, t) },
        { title: '阶段', dataIndex: 'state', render: (t: string) => label(STATE, t) },
        { title: '批复日期', dataIndex: 'approved_on', render: ymd },
        { title: '创建期限', dataIndex: 'creation_deadline', render: ymd },
        { title: '任务年度', dataIndex: 'task_year', render: (y: number | null) => y ?? '—' },
      ]} />
    </Card>
  )
}
