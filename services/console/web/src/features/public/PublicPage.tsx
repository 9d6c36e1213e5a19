import { useState } from 'react'
import { Card, Layout, Select, Space, Table, Tabs, Typography } from 'antd'
import { useQuery } from '@tanstack/react-query'
import { Link } from 'react-router-dom'
import type { Page } from '../../lib/api'
import { api } from '../../lib/api'
import { ymd } from '../../lib/format'
import { label, LEVEL, options, STATE, TYPE } from '../../lib/labels'
import { CursorTable } from '../../components/CursorTable'

interface PublicProject { id: string; name: string; street_name: string; type: string; target_level: string; stage: string; accepted_level: string | null; approved_on: string | null; creation_deadline: string | null; accepted_on: string | null; named_on: string | null }
interface PublicCommunity { id: string; name: string; street_name: string; area_ha: number; project_name: string; named_on: string | null }
interface PublicBulletin { month: string; published_at: string; ranking: { street_code: string; street_name?: string; rank: number; score: number }[] }

function Bulletins() {
  const list = useQuery({ queryKey: ['public', 'bulletins'], queryFn: () => api<Page<PublicBulletin>>('registry', '/public/bulletins', { query: { limit: 24 } }) })
  const [month, setMonth] = useState<string | undefined>()
  const items = list.data?.items ?? []
  const current = items.find((b) => b.month === month) ?? items[0]
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Select value={current?.month} onChange={setMonth} style={{ width: 140 }} options={items.map((b) => ({ value: b.month, label: b.month }))} aria-label="通报月份" placeholder="暂无通报" />
      <Table size="small" rowKey="street_code" pagination={false} dataSource={current?.ranking ?? []} columns={[
        { title: '排名', dataIndex: 'rank' },
        { title: '街道', dataIndex: 'street_name', render: (n: string | undefined, r) => n ?? r.street_code },
        { title: '得分', dataIndex: 'score', render: (v: number) => v.toFixed(2) },
      ]} />
    </Space>
  )
}

/** 信息公开 (§5.5): exactly what the public API gives, no sign-in. */
export function PublicPage() {
  const [stage, setStage] = useState<string | undefined>()
  const [type, setType] = useState<string | undefined>()
  return (
    <Layout style={{ minHeight: '100%' }}>
      <Layout.Header style={{ background: '#fff', borderBottom: '1px solid #f0f0f0', display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>未来社区建设 · 信息公开</Typography.Title>
        <Link to="/signin">工作人员登录</Link>
      </Layout.Header>
      <Layout.Content style={{ padding: 24 }}>
        <Card>
          <Tabs items={[
            { key: 'projects', label: '创建项目', children: (
              <>
                <Space className="filters">
                  <Select allowClear placeholder="阶段" style={{ width: 140 }} options={options(STATE)} onChange={setStage} aria-label="阶段" />
                  <Select allowClear placeholder="类型" style={{ width: 170 }} options={options(TYPE)} onChange={setType} aria-label="类型" />
                </Space>
                <CursorTable<PublicProject> service="registry" path="/public/projects" query={{ stage, type }} rowKey="id" columns={[
                  { title: '项目', dataIndex: 'name' },
                  { title: '街道', dataIndex: 'street_name' },
                  { title: '类型', dataIndex: 'type', render: (t: string) => label(TYPE, t) },
                  { title: '目标级别', dataIndex: 'target_level', render: (t: string) => label(LEVEL, t) },
                  { title: '阶段', dataIndex: 'stage', render: (t: string) => label(STATE, t) },
                  { title: '批复日期', dataIndex: 'approved_on', render: ymd },
                  { title: '创建期限', dataIndex: 'creation_deadline', render: ymd },
                  { title: '验收日期', dataIndex: 'accepted_on', render: ymd },
                ]} />
              </>
            ) },
            { key: 'named', label: '已命名社区', children: (
              <CursorTable<PublicCommunity> service="registry" path="/public/communities" rowKey="id" columns={[
                { title: '社区', dataIndex: 'name' },
                { title: '街道', dataIndex: 'street_name' },
                { title: '面积（公顷）', dataIndex: 'area_ha' },
                { title: '创建项目', dataIndex: 'project_name' },
                { title: '命名日期', dataIndex: 'named_on', render: ymd },
              ]} />
            ) },
            { key: 'bulletins', label: '评价通报', children: <Bulletins /> },
          ]} />
        </Card>
      </Layout.Content>
    </Layout>
  )
}
