import { Alert, Table, Tag, Typography } from 'antd'
import { useQuery } from '@tanstack/react-query'
import { Link } from 'react-router-dom'
import type { Page } from '../../lib/api'
import { api } from '../../lib/api'
import { ymd } from '../../lib/format'
import { DEPARTMENT, label, PROBLEM_STATE } from '../../lib/labels'
import { ProblemAlert } from '../../components/ProblemAlert'

export interface ProblemRow {
  id: string; street_code: string | null; project_id: string | null; summary_id?: string | null; source: string; text: string
  owner_department: string; due_on: string | null; state: string; overdue: boolean; close_note: string | null
}
export interface SummaryRef { id: string; street_code: string | null; problem_ids: string[] }

/**
 * The problems a summary opened (问题清单). Registry's GET /problems pages on the server but has no filter by
 * summary, so this asks for the summary's street's problems a page at a time and keeps the summary's own,
 * stopping as soon as every one of its problem_ids is found (or the pages end: a department sees only the
 * problems it owns).
 */
export async function fetchSummaryProblems(s: SummaryRef, pageSize = 200): Promise<ProblemRow[]> {
  const want = new Set(s.problem_ids)
  const found: ProblemRow[] = []
  if (want.size === 0) return found
  let cursor: string | null = null
  do {
    const page: Page<ProblemRow> = await api<Page<ProblemRow>>('registry', '/problems', {
      query: { street_code: s.street_code ?? undefined, limit: pageSize, cursor } })
    for (const p of page.items) if (want.has(p.id) && (p.summary_id ?? s.id) === s.id) found.push(p)
    cursor = page.next_cursor
  } while (cursor && found.length < want.size)
  // In the order the summary listed them.
  const order = new Map(s.problem_ids.map((id, i) => [id, i]))
  return found.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))
}

/** A problem's due date, marked 逾期 when it is open past it. */
export function ProblemDue({ p }: { p: Pick<ProblemRow, 'due_on' | 'overdue'> }) {
  return <>{ymd(p.due_on)} {p.overdue && <Tag color="red">逾期</Tag>}</>
}

/** The problem list of one summary, shown when its row is unfolded. */
export function SummaryProblems({ summary }: { summary: SummaryRef }) {
  const q = useQuery({
    queryKey: ['registry', 'summary-problems', summary.id, summary.problem_ids],
    queryFn: () => fetchSummaryProblems(summary),
    enabled: summary.problem_ids.length > 0,
  })
  if (summary.problem_ids.length === 0) return <Typography.Text type="secondary">无</Typography.Text>
  if (q.error) return <ProblemAlert error={q.error} />
  const rows = q.data ?? []
  const hidden = q.data ? summary.problem_ids.length - rows.length : 0
  return (
    <>
      <Table<ProblemRow> size="small" rowKey="id" loading={q.isFetching} dataSource={rows} data-testid="summary-problems"
        pagination={rows.length > 10 ? { pageSize: 10, showSizeChanger: false } : false} columns={[
          { title: '问题', dataIndex: 'text' },
          { title: '责任部门', dataIndex: 'owner_department', render: (d: string) => label(DEPARTMENT, d) },
          { title: '整改期限', dataIndex: 'due_on', render: (_: unknown, p) => <ProblemDue p={p} /> },
          { title: '状态', dataIndex: 'state', render: (x: string) => label(PROBLEM_STATE, x) },
          { title: '项目', dataIndex: 'project_id', render: (id: string | null) => id ? <Link to={`/projects/${id}`}>查看</Link> : '—' },
        ]} />
      {hidden > 0 && <Alert type="info" showIcon style={{ marginTop: 8 }}
        message={`另有 ${hidden} 项问题不在您的查看范围内`} />}
    </>
  )
}
