import { expect, type Locator, type Page, type TestInfo } from '@playwright/test'

export const CSRF = { 'X-Requested-With': 'fc-console' }

/** The district's today (Asia/Shanghai), as the services count dates. */
export function districtToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
}

export function previousMonth(): string {
  const [y, m] = districtToday().split('-').map(Number)
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
}

export function uniq(prefix: string): string {
  return `${prefix}${Date.now().toString(36).slice(-5).toUpperCase()}`
}

export async function signIn(page: Page, role: string, scope?: { street?: string; department?: string; level?: string }) {
  await page.context().clearCookies()
  await page.goto('/signin')
  await chooseOption(page, '角色', roleLabel(role))
  if (scope?.street) await page.getByLabel('街道/乡镇代码').fill(scope.street)
  if (scope?.department) await chooseOption(page, '部门', scope.department)
  if (scope?.level) await chooseOption(page, '对接层级', scope.level)
  await page.getByRole('button', { name: '登录', exact: true }).click()
  await expect(page.getByTestId('whoami')).toBeVisible()
}

function roleLabel(role: string): string {
  return ({ district_office: '区风貌办', street: '街道/乡镇', department: '区级部门', finance: '区财政',
    integration: '省市系统', auditor: '审计/考核' } as Record<string, string>)[role]
}

/** Opens an antd Select by its accessible name and picks the option with this text. */
export async function chooseOption(scope: Page | Locator, name: string, option: string) {
  const page = 'page' in scope ? scope.page() : scope
  await scope.locator('.ant-select').filter({ has: page.getByRole('combobox', { name, exact: true }) }).first().click()
  await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option')
    .filter({ hasText: option }).first().click()
}

export function modal(page: Page, title: string): Locator {
  return page.locator('.ant-modal-content').filter({ has: page.locator('.ant-modal-title', { hasText: title }) })
}

/** Fills an antd DatePicker inside a form item found by its label. */
export async function fillDate(scope: Locator, label: string, value: string) {
  const input = scope.locator('.ant-form-item').filter({ hasText: label }).locator('input').first()
  await input.click()
  await input.pressSequentially(value)
  await input.press('Enter')
  await expect(input).toHaveValue(value)
}

/** Presses the modal's 确定 once and waits for the outcome: the dialog closes (accepted) or shows a problem. */
async function submitOnce(dialog: Locator): Promise<string | null> {
  const ok = dialog.getByRole('button', { name: '确定' })
  const stale = await dialog.locator('[role=alert]').elementHandles()
  await ok.click()
  const deadline = Date.now() + 45_000
  while (Date.now() < deadline) {
    if (!(await dialog.isVisible())) return null
    const oldStillShown = stale.length > 0 && await stale[0].evaluate((n) => n.isConnected).catch(() => false)
    const busy = await ok.evaluate((b) => b.classList.contains('ant-btn-loading')).catch(() => false)
    if (!oldStillShown && !busy && await dialog.locator('[role=alert]').count() > 0) {
      return (await dialog.locator('[role=alert]').allInnerTexts()).join(' | ')
    }
    const invalid = dialog.locator('.ant-form-item-explain-error')
    if (!busy && await invalid.count() > 0) throw new Error(`the form is invalid: ${(await invalid.allInnerTexts()).join(' | ')}`)
    await dialog.page().waitForTimeout(100)
  }
  throw new Error('the form neither closed nor showed a problem')
}

/**
 * Submits a modal form. With ``retryForMs`` a problem is retried until then: an event may still be on its
 * way to the service that checks it (the form shows the problem meanwhile and keeps what was typed).
 */
export async function submitUntilAccepted(dialog: Locator, retryForMs = 0) {
  const deadline = Date.now() + retryForMs
  for (;;) {
    const problem = await submitOnce(dialog)
    if (problem === null) return
    if (Date.now() > deadline) throw new Error(`the form was refused: ${problem}`)
    await dialog.page().waitForTimeout(500)
  }
}

export async function pressAction(page: Page, label: string, fill?: (dialog: Locator) => Promise<void>, retryForMs = 0) {
  await page.getByTestId('project-actions').getByRole('button', { name: label, exact: true }).click()
  const dialog = modal(page, label)
  await expect(dialog).toBeVisible()
  if (fill) await fill(dialog)
  await submitUntilAccepted(dialog, retryForMs)
}

export async function api(page: Page, method: 'GET' | 'POST' | 'PATCH', path: string, data?: unknown) {
  const res = await page.request.fetch(path, { method, data, headers: method === 'GET' ? {} : CSRF })
  if (!res.ok()) throw new Error(`${method} ${path}: ${res.status()} ${await res.text()}`)
  return res.json()
}

export async function screenshot(page: Page, info: TestInfo, name: string) {
  await page.screenshot({ path: info.outputPath(`${name}.png`), fullPage: true })
}
