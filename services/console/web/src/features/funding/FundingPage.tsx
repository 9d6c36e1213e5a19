import { useState } from 'react'
import { Card, Descriptions, InputNumber, Select, Space, Statistic, Table, Typography } from 'antd'
import { useQuery } from '@tanstack/react-query'
import { Link } from 'react-router-dom'
import { api, apiUrl } from '../../lib/api'
import { ymd } from '../../lib/format'
import { basisText, ENTRY_KIND, label, options, RULE } from '../../lib/labels'
import { useSession } from '../../lib/session'
import { CursorTable } from '../../components/CursorTable'
import { DownloadButton } from '../../components/DownloadButton'
import { Money } from '../../components/Money'
import { ProblemAlert } from '../../components/ProblemAlert'
import { StreetSelect, useStreetName } from '../../components/StreetSelect'
import { BudgetButton, CloseYearButton, IncomeButton, RepaymentButton, ReversalButton } from './actions'

interface YearFunding {
  year: number; closed: boolean; budget_fen: number | null; income_fen: number; approved_fen: number; committed_fen: number
  paid_fen: number; recovered_fen: number; repaid_fen: number; offset_fen: number; recovery_due_fen: number
  remaining_fen: number | null; by_kind: Record<string, number>
  assessment: AssessmentEntry[]; annual_assessment?: AnnualAssessment
}
interface StreetFunding {
  street_code: string; projects: number; award_fen: number; entitlement_fen: number; paid_fen: number; repaid_fen: number
  recovery_due_fen: number; street_borne_fen: number; eligible_expenditure_fen: number
  assessment: AssessmentEntry[]; annual_assessments?: StreetAnnualAssessment[]
}
/** §5.6 考核结果 beside the money: a published monthly bulletin's rank and score (score as a decimal string). */
interface AssessmentEntry { month: string; street_code: string; rank: number; score: string }
/** §5.6 年度考核 as funding gives it: the year's published bulletins rolled up as inspection's /assessments/{year}. */
interface AnnualLine { rank: number; average_score: number; best_rank: number | null; months: Record<string, number> }
interface AnnualAssessment { year: number; bulletin_months: string[]; ranking: (AnnualLine & { street_code: string })[] }
interface StreetAnnualAssessment extends AnnualLine { year: number; bulletin_months: string[] }
interface Entry {
  id: number; project_id: string; street_code: string; kind: string; amount_fen: number; rules: string[]; basis: string
  year: number; at: string; reason?: string | null; reference?: string | null; booked_on?: string | null; reverses_entry_id?: number | null
}

function MoneyStat({ title, fen, testId }: { title: string; fen: number | null; testId?: string }) {
  return <Statistic title={title} valueRender={() => <span data-testid={testId}><Money fen={fen} /></span>} />
}

const score = (v: number) => v.toFixed(2)
/** "1月 92.50、2月 88.00": the street's score in each published bulletin listing it. */
const monthScores = (months: Record<string, number>) =>
  Object.entries(months).sort(([a], [b]) => a.localeCompare(b)).map(([m, v]) => `${Number(m.slice(5))}月 ${score(v)}`).join('、') || '—'

/** The year's annual ranking (排名 order), beside the year's money. */
function YearAssessment({ annual }: { annual: AnnualAssessment }) {
  const streetName = useStreetName()
  const ranking = [...annual.ranking].sort((a, b) => a.rank - b.rank || a.street_code.localeCompare(b.street_code))
  return (
    <Space direction="vertical" size="small" style={{ width: '100%' }} data-testid="year-annual-assessment">
      <Space size="large" wrap>
        <Typography.Text strong>{annual.year} 年度考核</Typography.Text>
        <Typography.Text type="secondary" data-testid="year-bulletin-months">
          已发布月数：{annual.bulletin_months.length}{annual.bulletin_months.length > 0 && `（${annual.bulletin_months.map((m) => `${Number(m.slice(5))}月`).join('、')}）`}
        </Typography.Text>
      </Space>
      <Table size="small" rowKey="street_code" pagination={false} dataSource={ranking}
        locale={{ emptyText: '本年尚无已发布的评价通报' }} columns={[
          { title: '排名', dataIndex: 'rank' },
          { title: '街道/乡镇', dataIndex: 'street_code', render: streetName },
          { title: '平均得分', dataIndex: 'average_score', render: score },
          { title: '最好名次', dataIndex: 'best_rank', render: (v: number | null) => v ?? '—' },
          { title: '各月得分', dataIndex: 'months', render: monthScores },
        ]} />
    </Space>
  )
}

/** The street's annual assessment in each year whose published bulletins list it, one row a year. */
function StreetAssessments({ rows }: { rows: StreetAnnualAssessment[] }) {
  return (
    <Space direction="vertical" size="small" style={{ width: '100%' }} data-testid="street-annual-assessments">
      <Typography.Text strong>年度考核</Typography.Text>
      <Table size="small" rowKey="year" pagination={false} dataSource={rows}
        locale={{ emptyText: '尚无已发布的评价通报' }} columns={[
          { title: '年度', dataIndex: 'year' },
          { title: '排名', dataIndex: 'rank' },
          { title: '平均得分', dataIndex: 'average_score', render: score },
          { title: '最好名次', dataIndex: 'best_rank', render: (v: number | null) => v ?? '—' },
          { title: '已发布月数', key: 'bulletins', render: (_: unknown, r: StreetAnnualAssessment) => r.bulletin_months.length },
          { title: '各月得分', dataIndex: 'months', render: monthScores },
        ]} />
    </Space>
  )
}

export function YearPanel({ year }: { year: number }) {
  const s = useSession()
  const q = useQuery({ queryKey: ['funding', 'year', year], queryFn: () => api<YearFunding>('funding', `/years/${year}/funding`) })
  return (
    <Card size="small" title={`${year} 年度专项资金`} extra={s.role === 'finance' && (
      <Space wrap>
        <BudgetButton year={year} />
        <IncomeButton year={year} />
        <CloseYearButton year={year} />
      </Space>
    )}>
      {q.error ? <ProblemAlert error={q.error} /> : q.data && (
        <Space direction="vertical" size="middle" style={{ width: '100%' }}>
          <Space size="large" wrap>
            <MoneyStat title="年度预算" fen={q.data.budget_fen} testId="year-budget" />
            <MoneyStat title="上级补助到账" fen={q.data.income_fen} testId="year-income" />
            <MoneyStat title="本年核定" fen={q.data.approved_fen} />
            <MoneyStat title="本年拨付" fen={q.data.paid_fen} />
            <MoneyStat title="已追回" fen={q.data.recovered_fen} />
            <MoneyStat title="已缴回" fen={q.data.repaid_fen} />
            <MoneyStat title="已抵扣" fen={q.data.offset_fen} />
            <MoneyStat title="待追回" fen={q.data.recovery_due_fen} />
            <MoneyStat title="可用余额" fen={q.data.remaining_fen} testId="year-remaining" />
            <Statistic title="状态" value={q.data.closed ? '已结算' : '未结算'} />
            <Descriptions size="small" column={3} items={Object.entries(q.data.by_kind).map(([k, v]) => ({ key: k, label: label(ENTRY_KIND, k), children: <Money fen={v} /> }))} />
          </Space>
          {q.data.annual_assessment && <YearAssessment annual={q.data.annual_assessment} />}
        </Space>
      )}
    </Card>
  )
}

export function StreetPanel({ code }: { code: string }) {
  const streetName = useStreetName()
  const q = useQuery({ queryKey: ['funding', 'street', code], queryFn: () => api<StreetFunding>('funding', `/streets/${code}/funding`) })
  return (
    <Card size="small" title={`${streetName(code)} 资金情况`}>
      {q.error ? <ProblemAlert error={q.error} /> : q.data && (
        <Space direction="vertical" size="middle" style={{ width: '100%' }}>
          <Space size="large" wrap>
            <Statistic title="项目数" value={q.data.projects} />
            <MoneyStat title="核定奖补" fen={q.data.award_fen} />
            <MoneyStat title="应得金额" fen={q.data.entitlement_fen} />
            <MoneyStat title="已拨付" fen={q.data.paid_fen} testId="street-paid" />
            <MoneyStat title="已缴回" fen={q.data.repaid_fen} />
            <MoneyStat title="待追回" fen={q.data.recovery_due_fen} />
            <MoneyStat title="合规支出" fen={q.data.eligible_expenditure_fen} />
            <MoneyStat title="街道自担（F5）" fen={q.data.street_borne_fen} />
          </Space>
          {q.data.annual_assessments && <StreetAssessments rows={q.data.annual_assessments} />}
        </Space>
      )}
    </Card>
  )
}

export function FundingPage() {
  const s = useSession()
  const streetName = useStreetName()
  const [year, setYear] = useState<number>(new Date().getFullYear())
  const [street, setStreet] = useState<string | undefined>(s.street_code ?? undefined)
  const [kind, setKind] = useState<string | undefined>()
  const [ledgerYear, setLedgerYear] = useState<number | undefined>()
  const filters = { street_code: street, kind, year: ledgerYear }
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Space>
        <Typography.Title level={4} className="page-title" style={{ marginBottom: 0 }}>资金（以奖代补）</Typography.Title>
        {s.role !== 'street' && <InputNumber value={year} min={2000} max={2100} onChange={(v) => v && setYear(v)} addonAfter="年" aria-label="资金年度" />}
        {s.role !== 'street' && <StreetSelect value={street} onChange={setStreet} />}
      </Space>
      {s.role !== 'street' && <YearPanel year={year} />}
      {street && <StreetPanel code={street} />}
      <Card size="small" title="资金台账" extra={<DownloadButton url={apiUrl('funding', '/ledger.xlsx', filters)} filename="资金台账.xlsx">导出 Excel</DownloadButton>}>
        <Space className="filters">
          <Select allowClear placeholder="类别" style={{ width: 150 }} options={options(ENTRY_KIND)} value={kind} onChange={setKind} aria-label="台账类别" />
          <InputNumber placeholder="年度" min={2000} max={2100} value={ledgerYear} onChange={(v) => setLedgerYear(v ?? undefined)} aria-label="台账年度" />
        </Space>
        <CursorTable<Entry> service="funding" path="/entries" query={filters} rowKey="id" columns={[
          { title: '日期', dataIndex: 'at', render: ymd },
          { title: '项目', dataIndex: 'project_id', render: (id: string) => <Link to={`/projects/${id}`}>查看</Link> },
          { title: '街道', dataIndex: 'street_code', render: streetName },
          { title: '类别', dataIndex: 'kind', render: (k: string) => label(ENTRY_KIND, k) },
          { title: '金额', dataIndex: 'amount_fen', render: (a: number) => <Money fen={a} /> },
          { title: '依据', dataIndex: 'rules', render: (r: string[]) => <Space direction="vertical" size={0}>{r.map((x) => <span key={x} title={label(RULE, x)}>{label(RULE, x)}</span>)}</Space> },
          { title: '计算', dataIndex: 'basis', render: basisText },
          { title: '年度', dataIndex: 'year' },
          { title: '凭证/理由', key: 'ref', render: (_: unknown, e: Entry) => [e.reference, e.reason, e.reverses_entry_id ? `冲正 #${e.reverses_entry_id}` : null].filter(Boolean).join('；') || '—' },
          ...(s.role === 'finance' ? [{ title: '操作', key: 'op', render: (_: unknown, e: Entry) => (
            <Space size="small">
              {e.kind === 'recovery' && !e.reverses_entry_id && <RepaymentButton projectId={e.project_id} size="small" />}
              {!e.reverses_entry_id && <ReversalButton entry={e} />}
            </Space>
          ) }] : []),
        ]} />
      </Card>
    </Space>
  )
}
