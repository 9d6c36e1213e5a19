import { useMemo, useState } from 'react'
import { Card, Col, DatePicker, Form, InputNumber, Row, Select, Space, Table, Tabs, Typography } from 'antd'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import type { Page } from '../../lib/api'
import { api, apiUrl } from '../../lib/api'
import { ymd } from '../../lib/format'
import { useSession } from '../../lib/session'
import { DownloadButton } from '../../components/DownloadButton'
import { EChart } from '../../components/EChart'
import { FormModalButton } from '../../components/FormModalButton'
import { ProblemAlert } from '../../components/ProblemAlert'
import { useStreetName } from '../../components/StreetSelect'
import type { Bulletin, RankingEntry } from './charts'
import { rankingOption, trendOption } from './charts'

interface Summary { month: string; published_at: string; streets: number }
interface Assessment { year: number; bulletin_months: string[]; ranking: { street_code: string; rank: number; average_score: number; best_rank: number | null }[] }

const COMPONENT_LABEL: Record<string, string> = { stage: '阶段进度', milestones: '节点按时', problems: '问题销号', spending: '资金支出' }

function Assessment({ year }: { year: number }) {
  const streetName = useStreetName()
  const q = useQuery({ queryKey: ['inspection', 'assessment', year], queryFn: () => api<Assessment>('inspection', `/assessments/${year}`), retry: false })
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <DownloadButton url={apiUrl('inspection', `/assessments/${year}.xlsx`)} filename={`年度考核-${year}.xlsx`}>下载年度考核 Excel</DownloadButton>
      {q.error && <ProblemAlert error={q.error} />}
      <Table size="small" rowKey="street_code" pagination={false} dataSource={q.data?.ranking ?? []} columns={[
        { title: '排名', dataIndex: 'rank' },
        { title: '街道', dataIndex: 'street_code', render: streetName },
        { title: '平均得分', dataIndex: 'average_score', render: (v: number) => v.toFixed(2) },
        { title: '最好名次', dataIndex: 'best_rank', render: (v: number | null) => v ?? '—' },
      ]} />
      <Typography.Text type="secondary">纳入月份：{q.data?.bulletin_months.join('、') || '—'}</Typography.Text>
    </Space>
  )
}

export function BulletinsPage() {
  const s = useSession()
  const qc = useQueryClient()
  const streetName = useStreetName()
  const [year, setYear] = useState(new Date().getFullYear())
  const [month, setMonth] = useState<string | undefined>()
  const list = useQuery({
    queryKey: ['inspection', 'bulletins', year],
    queryFn: () => api<Page<Summary>>('inspection', '/bulletins', { query: { year, limit: 12 } }),
  })
  const months = useMemo(() => (list.data?.items ?? []).map((b) => b.month).sort(), [list.data])
  const current = month ?? months[months.length - 1]
  const all = useQuery({
    queryKey: ['inspection', 'bulletins', year, 'all', months],
    queryFn: () => Promise.all(months.map((m) => api<Bulletin>('inspection', `/bulletins/${m}`))),
    enabled: months.length > 0,
  })
  const bulletin = all.data?.find((b) => b.month === current)
  const ranking = useMemo(() => bulletin ? rankingOption(bulletin, streetName) : null, [bulletin, streetName])
  const trend = useMemo(() => all.data ? trendOption(all.data, streetName) : null, [all.data, streetName])
  return (
    <Card title={<Typography.Title level={4} className="page-title">每月评价通报</Typography.Title>}
      extra={<Space>
        <InputNumber value={year} min={2000} max={2100} onChange={(v) => v && setYear(v)} aria-label="年度" addonAfter="年" />
        {s.role === 'district_office' && (
          <FormModalButton<{ month: { format: (f: string) => string } }> label="发布通报" title="发布月度评价通报" buttonProps={{ type: 'primary' }}
            onSubmit={(v) => api('inspection', '/bulletins', { json: { month: v.month.format('YYYY-MM') } })}
            onDone={(b) => { setYear(Number((b as Bulletin).month.slice(0, 4))); setMonth((b as Bulletin).month); void qc.invalidateQueries({ queryKey: ['inspection', 'bulletins'] }) }}>
            <Form.Item name="month" label="月份（月份结束后方可发布，发布后不可更改）" rules={[{ required: true, message: '请选择月份' }]}>
              <DatePicker picker="month" format="YYYY-MM" aria-label="通报月份" />
            </Form.Item>
          </FormModalButton>
        )}
      </Space>}>
      {(list.error || all.error) && <ProblemAlert error={list.error ?? all.error} />}
      <Tabs items={[
        { key: 'month', label: '月度排名', children: (
          <Space direction="vertical" style={{ width: '100%' }}>
            <Space>
              <Select value={current} onChange={setMonth} style={{ width: 140 }} placeholder="选择月份" aria-label="月份"
                options={months.map((m) => ({ value: m, label: m }))} />
              {current && <DownloadButton url={apiUrl('inspection', `/bulletins/${current}.xlsx`)} filename={`评价通报-${current}.xlsx`}>下载 Excel</DownloadButton>}
              {bulletin && <Typography.Text type="secondary">发布于 {ymd(bulletin.published_at)}</Typography.Text>}
            </Space>
            {!current && <Typography.Text type="secondary">本年度尚无已发布的通报</Typography.Text>}
            <Row gutter={16}>
              <Col xs={24} xl={12}>{ranking && <EChart option={ranking} height={Math.max(240, (bulletin?.ranking.length ?? 0) * 36 + 60)} testId="ranking-chart" />}</Col>
              <Col xs={24} xl={12}>
                <Table<RankingEntry> size="small" rowKey="street_code" pagination={false} dataSource={bulletin?.ranking ?? []} columns={[
                  { title: '排名', dataIndex: 'rank' },
                  { title: '街道', dataIndex: 'street_code', render: streetName },
                  { title: '得分', dataIndex: 'score', render: (v: number) => v.toFixed(2) },
                  ...Object.keys(bulletin?.ranking[0]?.components ?? {}).map((k) => ({
                    title: COMPONENT_LABEL[k] ?? k, key: k, render: (_: unknown, r: RankingEntry) => (r.components?.[k] ?? 0).toFixed(2),
                  })),
                ]} />
              </Col>
            </Row>
          </Space>
        ) },
        { key: 'trend', label: '排名走势', children: trend ? <EChart option={trend} height={360} testId="trend-chart" /> : <Typography.Text type="secondary">暂无数据</Typography.Text> },
        { key: 'assessment', label: '年度考核', children: <Assessment year={year} /> },
      ]} />
    </Card>
  )
}
