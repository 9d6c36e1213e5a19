// The lifecycle actions the console knows how to ask for. Which ones are offered comes from the API
// (project.allowed_actions, already filtered by the caller's role); this table only says how each looks
// and what its form asks. A new action needs one entry here, and an unknown one still gets a plain form.

export type FieldKind = 'date' | 'text' | 'textarea' | 'level' | 'year'

export interface ActionField {
  name: string
  label: string
  kind: FieldKind
  required?: boolean
  help?: string
}

export interface ActionSpec {
  label: string
  danger?: boolean
  primary?: boolean
  confirm?: string
  fields: ActionField[]
}

const NOTE: ActionField = { name: 'note', label: '说明', kind: 'textarea' }

export const ACTIONS: Record<string, ActionSpec> = {
  apply: { label: '申请创建', primary: true, fields: [{ name: 'on', label: '申请日期', kind: 'date' }, NOTE] },
  select: { label: '择优入选', primary: true, fields: [{ name: 'on', label: '日期', kind: 'date' }, NOTE] },
  reject: { label: '不予入选', danger: true, fields: [{ ...NOTE, label: '理由', required: true }] },
  submit: { label: '报送省市', primary: true, fields: [{ name: 'on', label: '报送日期', kind: 'date' }, NOTE] },
  approve: {
    label: '登记省市批复', primary: true, fields: [
      { name: 'on', label: '批复公布日期', kind: 'date', required: true },
      { name: 'level', label: '批复层级', kind: 'level', required: true },
      { name: 'reference', label: '批复文号', kind: 'text', required: true },
      { name: 'task_year', label: '任务年度', kind: 'year', help: '默认为创建期限所在年度' },
      NOTE,
    ],
  },
  decline: {
    label: '登记省市未批', danger: true, fields: [
      { name: 'on', label: '决定日期', kind: 'date', required: true },
      { name: 'level', label: '决定层级', kind: 'level', required: true },
      { name: 'reference', label: '文号', kind: 'text', required: true },
      { ...NOTE, label: '理由' }],
  },
  reschedule: {
    label: '调整创建期限', fields: [
      { name: 'creation_deadline', label: '新创建期限', kind: 'date', required: true },
      { name: 'task_year', label: '新任务年度', kind: 'year', help: '默认为新期限所在年度' },
      { ...NOTE, label: '理由', required: true }],
  },
  cancel: { label: '撤销创建', danger: true, confirm: '撤销后不再拨付任何预拨资金，确定撤销？',
    fields: [{ name: 'on', label: '日期', kind: 'date' }, { ...NOTE, label: '理由', required: true }] },
  withdraw: { label: '撤回', danger: true, fields: [{ name: 'on', label: '日期', kind: 'date' }, NOTE] },
  name: {
    label: '命名', primary: true, fields: [
      { name: 'on', label: '命名日期', kind: 'date', required: true },
      { name: 'level', label: '命名层级', kind: 'level', required: true }, NOTE],
  },
}

export function actionSpec(name: string): ActionSpec {
  return ACTIONS[name] ?? { label: name, fields: [{ name: 'on', label: '日期', kind: 'date' }, NOTE] }
}

/** The buttons to show: exactly the actions the API says this caller may take now, in the API's order. */
export function actionsFor(allowed: string[] | undefined): { name: string; spec: ActionSpec }[] {
  return (allowed ?? []).map((name) => ({ name, spec: actionSpec(name) }))
}

/** Form values → the transition body: empty fields left out, dates as YYYY-MM-DD. */
export function transitionBody(action: string, values: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = { action }
  for (const f of actionSpec(action).fields) {
    const v = values[f.name]
    if (v === undefined || v === null || v === '') continue
    if (f.kind === 'date') body[f.name] = typeof v === 'string' ? v : (v as { format: (f: string) => string }).format('YYYY-MM-DD')
    else if (f.kind === 'year') body[f.name] = Number(v)
    else body[f.name] = v
  }
  return body
}
