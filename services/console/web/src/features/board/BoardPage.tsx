import { useMemo, useState } from 'react'
import { Card, Col, Row, Select, Space, Tag, Typography } from 'antd'
import { useQuery } from '@tanstack/react-query'
import { echarts } from '../../lib/echarts'
import { Link } from 'react-router-dom'
import { apiUrl, fetchAll } from '../../lib/api'
import { LEVEL, label, nodeTitle, options, RAG, RAG_COLOR, STATE, TYPE } from '../../lib/labels'
import { ymd } from '../../lib/format'
import { useSession } from '../../lib/session'
import { CursorTable } from '../../components/CursorTable'
import { DaysLeft } from '../../components/DaysLeft'
import { DownloadButton } from '../../components/DownloadButton'
import { EChart } from '../../components/EChart'
import { ProblemAlert } from '../../components/ProblemAlert'
import { StreetSelect, useStreetName } from '../../components/StreetSelect'
import type { BoardRow, CommunityLite, ProjectLite } from './mapOption'
import { boardMapOption, boardMapPoints } from './mapOption'

interface Filters { street_code?: string; type?: string; target_level?: string; rag?: string; state?: string }

function useDistrictBoundary() {
  return useQuery({
    queryKey: ['district-geojson'],
    queryFn: async () => {
      const res = await fetch('/district.geojson')
      if (!res.ok) return false
      echarts.registerMap('district', await res.json())
      return true
    },
    staleTime: Infinity,
  })
}

export function RagTag({ rag }: { rag: string }) {
  return <Tag color={RAG_COLOR[rag]} style={{ color: '#fff' }}>{label(RAG, rag)}</Tag>
}

export function BoardPage() {
  const session = useSession()
  const [f, setF] = useState<Filters>({})
  const streetName = useStreetName()
  const boundary = useDistrictBoundary()
  const mapData = useQuery({
    queryKey: ['registry', 'board-map', f],
    queryFn: async () => {
      const [rows, projects, communities] = await Promise.all([
        fetchAll<BoardRow>('registry', '/board', { ...f }),
        fetchAll<ProjectLite>('registry', '/projects', f.street_code ? { street_code: f.street_code } : {}),
        fetchAll<CommunityLite>('registry', '/communities', f.street_code ? { street_code: f.street_code } : {}),
      ])
      return boardMapPoints(communities, projects, rows)
    },
  })
  const option = useMemo(() => boardMapOption(mapData.data ?? [], boundary.data === true), [mapData.data, boundary.data])
  const set = (k: keyof Filters) => (v: string | undefined) => setF((cur) => ({ ...cur, [k]: v || undefined }))
  const exportUrl = apiUrl('registry', '/board.xlsx', { ...f })
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={4} className="page-title">挂图作战</Typography.Title>
      <Space className="filters">
        {session.role !== 'street' && <StreetSelect value={f.street_code} onChange={set('street_code')} />}
        <Select allowClear placeholder="项目类型" style={{ width: 170 }} options={options(TYPE)} value={f.type}
          onChange={set('type')} aria-label="项目类型" />
        <Select allowClear placeholder="目标级别" style={{ width: 120 }} options={options(LEVEL)} value={f.target_level}
          onChange={set('target_level')} aria-label="目标级别" />
        <Select allowClear placeholder="阶段" style={{ width: 140 }} options={options(STATE)} value={f.state}
          onChange={set('state')} aria-label="阶段" />
        <Select allowClear placeholder="红黄绿" style={{ width: 110 }} options={options(RAG)} value={f.rag}
          onChange={set('rag')} aria-label="红黄绿" />
        <DownloadButton url={exportUrl} filename="挂图作战.xlsx">导出 Excel</DownloadButton>
      </Space>
      <Row gutter={16}>
        <Col xs={24} xl={9}>
          <Card title="社区分布" size="small">
            {mapData.error && <ProblemAlert error={mapData.error} />}
            <EChart option={option} height={480} testId="board-map" />
          </Card>
        </Col>
        <Col xs={24} xl={15}>
          <Card title="项目进度" size="small">
            <CursorTable<BoardRow> service="registry" path="/board" query={{ ...f }} rowKey="project_id" columns={[
              { title: '项目', dataIndex: 'name', render: (n: string, r) => <Link to={`/projects/${r.project_id}`}>{n}</Link> },
              { title: '街道', dataIndex: 'street_code', render: streetName },
              { title: '类型·级别', dataIndex: 'type', render: (t: string, r) => <>{label(TYPE, t)}<br />{label(LEVEL, r.target_level)}</> },
              { title: '阶段', dataIndex: 'state', render: (t: string) => label(STATE, t) },
              { title: '下一节点', dataIndex: 'next_node', render: (n: BoardRow['next_node']) => n ? <>{nodeTitle(n)}<br />{ymd(n.due_on)}</> : '—' },
              { title: '剩余天数', dataIndex: 'days_left', render: (d: number | null, r) => <DaysLeft days={d} rag={r.rag} /> },
              { title: '红黄绿', dataIndex: 'rag', render: (r: string) => <RagTag rag={r} /> },
            ]} />
          </Card>
        </Col>
      </Row>
    </Space>
  )
}
