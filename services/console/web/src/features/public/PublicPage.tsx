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

function Ranking({ ranking }: { ranking: PublicBulletin['ranking'] }) {
  return (
    <Table size="small" rowKey="street_code" pagination={false} dataSource={[...ranking].sort((a, b) => a.rank - b.rank)} columns={[
      { title: '排名', dataIndex: 'rank' },
      { title: '街道', dataIndex: 'street_name', render: (n: string | undefined, r) => n ?? r.street_code },
      { title: '得分', dataIndex: 'score', render: (v: number) => v.toFixed(2) },
    ]} />
  )
}

/** Published bulletins, newest first, paged on the server; each month's ranking unfolds in its row (the newest at first). */
export function Bulletins() {
  const newest = useQuery({ queryKey: ['public', 'bulletins', 'newest'],
    queryFn: () => api<Page<PublicBulletin>>('registry', '/public/bulletins', { query: { limit: 1 } }) })
  const [open, setOpen] = useState<string[] | null>(null)
  const newestMonth = newest.data?.items[0]?.month
  const expanded = open ?? (newestMonth ? [newestMonth] : [])
  return (
    <CursorTable<PublicBulletin> service="registry" path="/public/bulletins" rowKey="month" pageSize={12}
      locale={{ emptyText: '暂无通报' }}
      expandable={{
        expandedRowKeys: expanded,
        onExpandedRowsChange: (keys) => setOpen(keys.map(String)),
        expandedRowRender: (b) => <Ranking ranking={b.ranking} />,
      }}
      columns={[
        { title: '通报月份', dataIndex: 'month' },
        { title: '发布日期', dataIndex: 'published_at', render: ymd },
        { title: '参评街道', dataIndex: 'ranking', render: (r: PublicBulletin['ranking']) => `${r.length} 个` },
        { title: '第一名', key: 'first', render: (_: unknown, b: PublicBulletin) => {
          const top = [...b.ranking].sort((x, y) => x.rank - y.rank)[0]
          return top ? top.street_name ?? top.street_code : '—'
        } },
      ]} />
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
