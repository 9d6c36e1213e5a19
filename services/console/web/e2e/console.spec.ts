import { expect, test } from '@playwright/test'
import {
  api, chooseOption, districtToday, fillDate, modal, pressAction, previousMonth, screenshot, signIn,
  submitUntilAccepted, uniq,
} from './helpers'

const DEPARTMENTS = ['住建', '民政', '发改', '财政']

// Nothing from a CDN or any other host: every request a page makes stays on this origin's loopback.
let offLoopback: string[] = []
test.beforeEach(({ page }) => {
  offLoopback = []
  page.on('request', (r) => {
    const host = new URL(r.url()).hostname
    if (!['127.0.0.1', 'localhost'].includes(host) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) offLoopback.push(r.url())
  })
})
test.afterEach(() => expect(offLoopback).toEqual([]))

test('a project from survey to the money paid, through the console', async ({ page }, info) => {
  const street = uniq('E')
  const streetName = `端到端街道${street}`
  const community = `端到端社区${street}`
  const project = `端到端项目${street}`

  // The office creates a street and a community.
  await signIn(page, 'district_office')
  await page.getByRole('link', { name: '社区档案' }).click()
  await page.getByRole('button', { name: '新建街道' }).click()
  let dialog = modal(page, '新建街道/乡镇')
  await dialog.getByLabel('街道代码').fill(street)
  await dialog.getByLabel('街道名称').fill(streetName)
  await submitUntilAccepted(dialog)
  await page.getByRole('button', { name: '新建社区' }).click()
  dialog = modal(page, '新建社区档案')
  await chooseOption(dialog, '街道/乡镇', streetName)
  await dialog.getByLabel('社区名称').fill(community)
  await dialog.getByLabel('面积').fill('21')
  await dialog.getByLabel('人口').fill('8600')
  await dialog.getByLabel('户数').fill('3100')
  await dialog.getByLabel('60岁以上占比').fill('0.21')
  await dialog.getByLabel('14岁以下占比').fill('0.11')
  await dialog.getByLabel('纬度').fill('30.2741')
  await dialog.getByLabel('经度').fill('120.1551')
  await submitUntilAccepted(dialog)
  await expect(page.getByRole('link', { name: community })).toBeVisible()

  // The office opens a draft project for it.
  await page.getByRole('link', { name: '创建项目' }).click()
  await page.getByRole('button', { name: '新建项目' }).click()
  dialog = modal(page, '新建创建项目')
  await dialog.getByLabel('项目名称').fill(project)
  await chooseOption(dialog, '涉及社区', community)
  await submitUntilAccepted(dialog)
  await expect(page.getByTestId('project-name')).toHaveText(project)
  const projectUrl = new URL(page.url()).pathname

  // The street surveys its community and applies.
  await signIn(page, 'street', { street })
  await page.getByRole('link', { name: '社区档案' }).click()
  await page.getByRole('link', { name: community }).click()
  await page.getByRole('button', { name: '摸底调查 / 修改档案' }).click()
  dialog = modal(page, '社区摸底调查')
  await dialog.getByLabel('居民需求').fill('养老服务、托育、停车')
  await dialog.getByLabel('特色亮点').fill('运河沿线老旧小区连片')
  await dialog.getByLabel('空间资源').fill('闲置厂房一处、社区用房两处')
  await submitUntilAccepted(dialog)
  await page.goto(projectUrl)
  await pressAction(page, '申请创建')
  await expect(page.getByTestId('project-state')).toHaveText('已申请')

  // The office selects, submits and records the approval.
  await signIn(page, 'district_office')
  await page.goto(projectUrl)
  await pressAction(page, '择优入选')
  await expect(page.getByTestId('project-state')).toHaveText('已择优')
  await pressAction(page, '报送省市')
  await expect(page.getByTestId('project-state')).toHaveText('已报省市')
  await pressAction(page, '登记省市批复', async (d) => {
    await fillDate(d, '批复公布日期', districtToday())
    await chooseOption(d, '批复层级', '市级')
    await d.getByLabel('批复文号').fill('市未来社区〔2026〕1号')
  })
  await expect(page.getByTestId('project-state')).toHaveText('已批复')
  await page.getByRole('tab', { name: '创建历程' }).click()
  await expect(page.getByTestId('project-timeline')).toContainText('省市批复')

  // The street records its evaluation (every indicator met) and applies for acceptance at city level.
  await signIn(page, 'street', { street })
  await page.goto(projectUrl)
  await page.getByRole('tab', { name: '三化九场景评价' }).click()
  await page.getByRole('button', { name: '记录评价' }).click()
  dialog = modal(page, '三化九场景评价（自评）')
  await dialog.getByRole('button', { name: '标配指标全部达标' }).click()
  await submitUntilAccepted(dialog, 60_000) // until inspection has the approval
  await expect(page.getByTestId('evaluation-summary')).toContainText('标配指标达标')
  // It reports what it spent (funding checks the application's declared expenditure against these).
  await page.getByRole('tab', { name: '资金' }).click()
  for (const [category, wan] of [['咨询设计', '100'], ['工程建设', '700'], ['设备购置', '100']]) {
    await page.getByRole('button', { name: '报送支出' }).click()
    dialog = modal(page, '报送项目支出')
    await chooseOption(dialog, '支出类别', category)
    await dialog.getByLabel('支出金额').fill(wan)
    await fillDate(dialog, '支出日期', districtToday())
    await submitUntilAccepted(dialog, 60_000) // until funding has the project
    await expect(page.getByTestId('expenditures').locator('tr', { hasText: category })).toBeVisible()
  }
  await expect(page.getByTestId('expenditures')).toContainText('900')
  await page.getByRole('link', { name: '验收' }).first().click()
  await page.getByRole('button', { name: '申请验收' }).click()
  dialog = modal(page, '申请验收')
  await chooseOption(dialog, '验收项目', project)
  await dialog.getByLabel('咨询设计').fill('100')
  await dialog.getByLabel('工程建设').fill('700')
  await dialog.getByLabel('设备购置').fill('100')
  await dialog.getByLabel('自验收报告').fill('已完成全部标配场景建设，自验收合格。')
  await submitUntilAccepted(dialog, 60_000)

  // Each required department reviews it in its queue.
  for (const dept of DEPARTMENTS) {
    await signIn(page, 'department', { department: dept })
    await page.goto('/acceptance')
    const row = page.locator('tr', { hasText: streetName })
    await expect(row).toBeVisible()
    await row.getByRole('button', { name: '复核' }).click()
    dialog = modal(page, `${dept}复核意见`)
    await dialog.getByLabel('复核意见').fill('资料齐全，同意通过')
    await submitUntilAccepted(dialog)
    await expect(row.getByRole('button', { name: '复核' })).toHaveCount(0)
  }

  // The city's decision arrives on paper: the office records it, with the scanned decision.
  await signIn(page, 'district_office')
  await page.goto('/acceptance')
  const row = page.locator('tr', { hasText: streetName })
  await expect(async () => {
    await page.reload()
    await expect(row.getByRole('button', { name: '登记纸质结果' })).toBeVisible({ timeout: 15_000 })
  }).toPass({ timeout: 240_000 })
  await row.getByRole('button', { name: '登记纸质结果' }).click()
  dialog = modal(page, '登记省市验收结果（纸质批复）')
  await expect(dialog.getByRole('radio', { name: '市级' })).toBeChecked()
  await fillDate(dialog, '决定日期', districtToday())
  await dialog.getByLabel('批复文号').fill('杭未来验〔2026〕8号')
  await dialog.locator('input[type=file]').setInputFiles({
    name: '验收批复.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% 杭未来验〔2026〕8号\n%%EOF\n'),
  })
  await submitUntilAccepted(dialog)
  await expect(row).toContainText('省市验收通过')
  await row.locator('.ant-table-row-expand-icon').click()
  const result = page.getByTestId('acceptance-result')
  await expect(result).toContainText('杭未来验〔2026〕8号')
  await expect(result).toContainText('纸质批复')
  await expect(result.getByRole('link', { name: '批复扫描件' })).toBeVisible()

  // Finance records a higher-level subsidy received into the fund; the year's panel shows it to the fen.
  await signIn(page, 'finance')
  await page.getByRole('link', { name: '资金' }).click()
  const income = page.getByTestId('year-income').locator('.money')
  const before = Number(await income.getAttribute('data-fen'))
  await page.getByRole('button', { name: '登记上级补助' }).click()
  dialog = modal(page, '上级专项补助到账')
  await dialog.getByLabel('到账金额').fill('123.456789')
  await fillDate(dialog, '到账日期', districtToday())
  await dialog.getByLabel('补助文号').fill(`浙财建〔2026〕${street}号`)
  await submitUntilAccepted(dialog)
  await expect(income).toHaveAttribute('data-fen', String(before + 123456789))

  // F6 + F7: E = 900 万元 < A = 1000 万元 → 900 + 50 = 950 万元 paid, to the fen.
  await signIn(page, 'street', { street })
  await page.getByRole('link', { name: '资金' }).click()
  const paid = page.getByTestId('street-paid').locator('.money')
  await expect(async () => {
    await page.reload()
    await expect(paid).toHaveAttribute('data-fen', '950000000', { timeout: 15_000 })
  }).toPass({ timeout: 240_000 })
  await expect(paid).toHaveText('950.00 万元')
  await paid.hover()
  await expect(page.locator('.ant-tooltip:visible')).toHaveText('9,500,000.00 元（950000000 分）')
  await screenshot(page, info, 'funding-paid')
})

test('a street sees only its own projects', async ({ page }, info) => {
  await signIn(page, 'district_office')
  const mine = uniq('M')
  const other = uniq('O')
  for (const code of [mine, other]) {
    await api(page, 'POST', '/api/registry/api/v1/streets', { code, name: `街道${code}`, kind: 'subdistrict' })
    const c = await api(page, 'POST', '/api/registry/api/v1/communities', {
      street_code: code, name: `社区${code}`, area_ha: 20, population: 5000, households: 2000, elderly_share: 0.2,
      children_share: 0.1, location: { lat: 30.2 + Math.random() / 10, lon: 120.1 + Math.random() / 10 } })
    await api(page, 'POST', '/api/registry/api/v1/projects', {
      name: `项目${code}`, community_ids: [c.id], type: 'renovation', target_level: 'city', area_ha: 20, life_circle_minutes: 15 })
  }
  await signIn(page, 'street', { street: mine })
  await page.getByRole('link', { name: '创建项目' }).click()
  await expect(page.getByRole('link', { name: `项目${mine}` })).toBeVisible()
  await expect(page.getByRole('link', { name: `项目${other}` })).toHaveCount(0)
  await page.getByRole('link', { name: '挂图作战' }).click()
  await expect(page.getByRole('link', { name: `项目${mine}` })).toBeVisible()
  await expect(page.getByText(`项目${other}`)).toHaveCount(0)
  await expect(page.getByTestId('board-map').locator('canvas')).toBeVisible()
  await screenshot(page, info, 'street-board')
})

test('the office publishes a bulletin and its chart is drawn', async ({ page }, info) => {
  await signIn(page, 'district_office')
  await page.getByRole('link', { name: '评价通报' }).click()
  await page.getByRole('button', { name: '发布通报' }).click()
  const dialog = modal(page, '发布月度评价通报')
  const month = previousMonth()
  const input = dialog.locator('input').first()
  await input.click()
  await input.pressSequentially(month)
  await input.press('Enter')
  await submitUntilAccepted(dialog)
  await expect(page.getByRole('combobox', { name: '月份' })).toBeVisible()
  await expect(page.locator('.ant-select-selection-item', { hasText: month })).toBeVisible()
  await expect(page.getByTestId('ranking-chart').locator('canvas')).toBeVisible()
  const rows = page.locator('.ant-table-tbody tr.ant-table-row')
  await expect(rows.first()).toBeVisible()
  expect(await rows.count()).toBeGreaterThan(0)
  await screenshot(page, info, 'bulletin')
})

test('an ended session returns to sign-in and back to the same page; sign-out clears the cookie', async ({ page }, info) => {
  await signIn(page, 'district_office')
  await page.goto('/acceptance?project_id=none')
  await expect(page.getByRole('heading', { name: '验收' })).toBeVisible()
  // The session ends (the browser drops the expired cookie); the next request is a 401.
  await page.context().clearCookies()
  await page.getByRole('link', { name: '预警提醒' }).click()
  await expect(page).toHaveURL(/\/signin\?next=%2Falerts&expired=1$/)
  await expect(page.getByTestId('session-expired')).toBeVisible()
  await chooseOption(page, '角色', '区风貌办')
  await page.getByRole('button', { name: '登录', exact: true }).click()
  await expect(page).toHaveURL(/\/alerts$/)
  await expect(page.getByTestId('whoami')).toBeVisible()
  // Sign-out: the server clears the HttpOnly cookie; the console is closed until signing in again.
  await page.getByRole('button', { name: '退出' }).click()
  await expect(page).toHaveURL(/\/signin$/)
  expect((await page.context().cookies()).map((c) => c.name)).not.toContain('fc_session')
  await page.goto('/board?street_code=S01')
  await expect(page).toHaveURL(/\/signin\?next=%2Fboard%3Fstreet_code%3DS01$/)
  await expect(page.getByTestId('session-expired')).toHaveCount(0)
  await screenshot(page, info, 'signed-out')
})
