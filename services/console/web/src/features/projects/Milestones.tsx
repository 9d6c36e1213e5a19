import { DatePicker, Form, Input } from 'antd'
import dayjs from 'dayjs'
import type { Dayjs } from 'dayjs'
import { api } from '../../lib/api'
import type { Session } from '../../lib/session'
import { FormModalButton } from '../../components/FormModalButton'
import type { Milestone, Project } from './api'

export interface MilestoneForm { title: string; planned_on: Dayjs; actual_on?: Dayjs | null }

/** Registry's MilestonePatch: only what changed (a PATCH keeps what it is not given); a cleared 实际完成 is null. */
export function milestonePatchBody(m: Milestone, v: MilestoneForm): { title?: string; planned_on?: string; actual_on?: string | null } {
  const body: { title?: string; planned_on?: string; actual_on?: string | null } = {}
  const title = v.title.trim()
  if (title !== m.title) body.title = title
  const planned = v.planned_on.format('YYYY-MM-DD')
  if (planned !== m.planned_on) body.planned_on = planned
  const actual = v.actual_on ? v.actual_on.format('YYYY-MM-DD') : null
  if (actual !== (m.actual_on ?? null)) body.actual_on = actual
  return body
}

/** Registry lets the district office, and the project's own street, add and change time nodes. */
export function mayEditMilestones(session: Pick<Session, 'role' | 'street_code'>, project: Pick<Project, 'street_code'>): boolean {
  return session.role === 'district_office' || (session.role === 'street' && session.street_code === project.street_code)
}

/** 登记完成 / 调整计划 of one time node: PATCH /projects/{id}/milestones/{milestone_id}. */
export function EditMilestoneButton({ milestone: m, onDone }: { milestone: Milestone; onDone?: () => void }) {
  return (
    // Keyed by the node's values: after a change, the form opens again with what the registry now holds.
    <FormModalButton<MilestoneForm> key={`${m.id}|${m.title}|${m.planned_on}|${m.actual_on ?? ''}`}
      label="登记完成/调整" title={`更新时间节点：${m.title}`} buttonProps={{ size: 'small' }}
      initialValues={{ title: m.title, planned_on: dayjs(m.planned_on), actual_on: m.actual_on ? dayjs(m.actual_on) : null }}
      onSubmit={async (v) => {
        const body = milestonePatchBody(m, v)
        if (Object.keys(body).length === 0) return m // nothing changed: nothing to send
        return api<Milestone>('registry', `/projects/${m.project_id}/milestones/${m.id}`, { method: 'PATCH', json: body })
      }}
      onDone={onDone}>
      <Form.Item name="title" label="节点名称" rules={[{ required: true, whitespace: true, message: '请填写节点名称' }]}>
        <Input aria-label="节点名称" />
      </Form.Item>
      <Form.Item name="planned_on" label="计划完成日期" rules={[{ required: true, message: '请选择计划完成日期' }]}
        extra="调整计划时修改此日期">
        <DatePicker format="YYYY-MM-DD" aria-label="计划完成日期" />
      </Form.Item>
      <Form.Item name="actual_on" label="实际完成日期" extra="节点完成后填写；清空表示尚未完成">
        <DatePicker format="YYYY-MM-DD" aria-label="实际完成日期" />
      </Form.Item>
    </FormModalButton>
  )
}
