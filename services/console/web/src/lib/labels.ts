// Chinese labels for the API's codes. An unknown code is shown as it is, so new states never break a page.

export const STATE: Record<string, string> = {
  draft: '草稿', applied: '已申请', selected: '已择优', rejected: '未入选', submitted: '已报省市',
  declined: '省市未批', approved: '已批复', withdrawn: '已撤回', cancelled: '已撤销创建', accepting: '验收中',
  district_reviewed: '区级复核通过', accepted: '已验收', named: '已命名',
}
export const TYPE: Record<string, string> = {
  renovation: '旧改类', new_build: '新建类·规划新建', demolish_rebuild: '新建类·拆除重建',
}
export const LEVEL: Record<string, string> = { city: '市级', province: '省级' }
export const RAG: Record<string, string> = { red: '红', amber: '黄', green: '绿' }
export const RAG_COLOR: Record<string, string> = { red: '#d4380d', amber: '#faad14', green: '#389e0d' }
export const ROLE: Record<string, string> = {
  district_office: '区风貌办', street: '街道/乡镇', department: '区级部门', finance: '区财政',
  integration: '省市系统', auditor: '审计/考核',
}
export const DEPARTMENT: Record<string, string> = {
  housing: '住建', civil_affairs: '民政', development_reform: '发改', finance: '财政', health: '卫健',
  education: '教育', data: '数据',
}
export const SCOPE: Record<string, string> = { province: '省级', city: '市级' }
export const STREET_KIND: Record<string, string> = { subdistrict: '街道', town: '乡镇' }
export const ACCEPTANCE_STATE: Record<string, string> = {
  requested: '待部门复核', district_reviewed: '区级复核通过', district_failed: '区级复核未通过',
  passed: '省市验收通过', failed: '省市验收未通过', withdrawn: '已撤回', returned: '已退回', cancelled: '已撤销',
}
export const RESULT_CHANNEL: Record<string, string> = { integration: '系统回传', paper: '纸质批复' }
export const ENTRY_KIND: Record<string, string> = {
  approval: '核定奖补', interim: '年度未完成预拨', disbursement: '拨付', recovery: '追回', reward: '节余奖励',
  repayment: '追回款缴回', offset: '追回抵扣', reversal: '冲正',
}
export const RULE: Record<string, string> = {
  F1: 'F1 通过市级验收奖补 1000 万元',
  F2: 'F2 通过省级验收奖补 1200 万元',
  F3: 'F3 单个社区奖补以所达最高级别为上限（先市后省最多补差 200 万元）',
  F4: 'F4 任务年度未完成：按目标级别奖补的 70% 预拨，最多 700 万元，验收后补足',
  F5: 'F5 超出核定奖补的支出由街道承担',
  F6: 'F6 最终支出不超过核定奖补的，按实际支出补助',
  F7: 'F7 最终支出低于核定奖补的，奖励差额的 50%',
}
export const EXPENDITURE_CATEGORY: Record<string, string> = {
  consulting_design: '咨询设计', construction: '工程建设', equipment: '设备购置',
}
export const PERIOD: Record<string, string> = { weekly: '周报', half_monthly: '半月报', monthly: '月报' }
export const DELIVERY_STATUS: Record<string, string> = { pending: '待投递', delivered: '已送达', failed: '失败' }
export const SUBSCRIPTION_STATUS: Record<string, string> = { active: '启用', paused: '已暂停', disabled: '已停用' }
export const PROBLEM_STATE: Record<string, string> = { open: '未关闭', closed: '已关闭' }
export const HISTORY_ACTION: Record<string, string> = {
  create: '创建', created: '创建', apply: '申请创建', select: '择优入选', reject: '未入选', submit: '报送省市',
  approve: '省市批复', decline: '省市未批', reschedule: '调整期限', cancel: '撤销创建', withdraw: '撤回', name: '命名',
  acceptance_requested: '申请验收', district_reviewed: '区级复核通过', accepted: '验收通过', acceptance_failed: '验收未通过',
}

export function label(map: Record<string, string>, code: string | null | undefined): string {
  if (code === null || code === undefined || code === '') return '—'
  return map[code] ?? code
}

export function options(map: Record<string, string>) {
  return Object.entries(map).map(([value, text]) => ({ value, label: text }))
}
export const DOCUMENT_KIND: Record<string, string> = {
  survey: '摸底调查', application_plan: '申报方案', implementation_plan: '实施方案', design_tender: '设计招标',
  preliminary_approval: '前期审批', operation_plan: '运营方案', acceptance_decision: '验收批复',
}
export const SURVEY_FIELD: Record<string, string> = {
  location: '位置', population: '人口', households: '户数', elderly_share: '老年人口占比', children_share: '儿童占比',
  needs: '居民需求', features: '特色亮点', spatial_resources: '空间资源', area_ha: '面积',
}
/** Kinds of deadline (registry's deadline watcher); a milestone's own title is shown as it is. */
export const DEADLINE_KIND: Record<string, string> = {
  creation: '创建期限', plan_upload: '方案编制上传', summary: '工作小结报送', problem: '问题整改',
  special_plan_publish: '专项规划公布', special_plan_approve: '专项规划批复', milestone: '时间节点',
}

export function nodeTitle(node: { kind: string; title: string } | null | undefined): string {
  if (!node) return '—'
  return node.kind === 'milestone' ? node.title : label(DEADLINE_KIND, node.kind)
}

/** Funding's basis code ("acceptance:city", "interim:2026") in words; an unknown one as it is. */
export function basisText(basis: string): string {
  const [what, arg] = basis.split(':')
  const WHAT: Record<string, string> = { acceptance: '验收', interim: '年度预拨', reversal: '冲正', repayment: '缴回', cancel: '撤销创建' }
  if (!(what in WHAT)) return basis
  return `${WHAT[what]}${arg ? `（${LEVEL[arg] ?? arg}）` : ''}`
}
/** Kinds of alert in notify's inbox (its type names the event: fc.deadline.approaching → deadline_approaching). */
export const ALERT_TYPE: Record<string, string> = {
  deadline_approaching: '期限临近', deadline_breached: '期限逾期', summary_overdue: '总结逾期',
  subsidy_approved: '补助核定', subsidy_disbursed: '补助拨付', subsidy_recovery_due: '补助追回',
  budget_exceeded: '预算超支', webhook_endpoint_disabled: '推送端点停用',
  acceptance_passed: '验收通过', acceptance_failed: '验收未通过',
}
