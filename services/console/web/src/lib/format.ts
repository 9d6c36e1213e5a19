// Money is integer fen everywhere; people read 万元 with two decimals (1 万元 = 1,000,000 分).

export const FEN_PER_WAN = 1_000_000

function groupDigits(s: string): string {
  return s.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** 123456789 分 → "123.46" (万元, two decimals, half away from zero, exact integer arithmetic). */
export function wan(fen: number): string {
  if (!Number.isFinite(fen)) return '—'
  const neg = fen < 0
  const abs = BigInt(Math.round(Math.abs(fen)))
  const hundredths = (abs * 100n + BigInt(FEN_PER_WAN / 2)) / BigInt(FEN_PER_WAN)
  const int = hundredths / 100n
  const frac = (hundredths % 100n).toString().padStart(2, '0')
  return `${neg && hundredths > 0n ? '-' : ''}${groupDigits(int.toString())}.${frac}`
}

/** 123456789 分 → "1,234,567.89 元（123456789 分）": the exact amount, shown on hover. */
export function exactYuan(fen: number): string {
  if (!Number.isFinite(fen)) return '—'
  const neg = fen < 0
  const abs = Math.round(Math.abs(fen))
  const yuan = Math.floor(abs / 100)
  const cents = String(abs % 100).padStart(2, '0')
  return `${neg ? '-' : ''}${groupDigits(String(yuan))}.${cents} 元（${neg ? '-' : ''}${abs} 分）`
}

/** A form's 万元 input → integer fen (exact: parsed from the decimal text, not by float multiplication). */
export function wanToFen(value: string | number): number {
  const s = String(value).trim()
  const m = /^(-?)(\d+)(?:\.(\d{0,6}))?$/.exec(s)
  if (!m) throw new Error(`不是有效金额：${s}`)
  const fen = Number(m[2]) * FEN_PER_WAN + Number((m[3] ?? '').padEnd(6, '0'))
  return m[1] ? -fen : fen
}

/** ISO date or timestamp → YYYY-MM-DD (the district's dates are already dates; timestamps are shown in local time). */
export function ymd(value: string | null | undefined): string {
  if (!value) return '—'
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return value
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
}

export function ymdhm(value: string | null | undefined): string {
  if (!value) return '—'
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return value
  const p = (n: number) => String(n).padStart(2, '0')
  return `${ymd(value)} ${p(d.getHours())}:${p(d.getMinutes())}`
}

/**
 * The district's offset from UTC: the services' default time zone, Asia/Shanghai (no daylight saving), in which
 * "a day" of the district begins and ends whatever the browser's own time zone.
 */
export const DISTRICT_UTC_OFFSET = '+08:00'

/**
 * Days of the district (YYYY-MM-DD, both included) → the moments an API's since (inclusive) / until (exclusive)
 * take as RFC 3339 with the offset: from the start of the first day to the end of the last, which is the start of
 * the day after it. Either end may be absent.
 */
export function districtDayRange(first?: string | null, last?: string | null, offset = DISTRICT_UTC_OFFSET):
  { since?: string; until?: string } {
  const day = /^\d{4}-\d{2}-\d{2}$/
  const out: { since?: string; until?: string } = {}
  if (first) {
    if (!day.test(first)) throw new Error(`不是有效日期：${first}`)
    out.since = `${first}T00:00:00${offset}`
  }
  if (last) {
    if (!day.test(last)) throw new Error(`不是有效日期：${last}`)
    const [y, m, d] = last.split('-').map(Number)
    const next = new Date(Date.UTC(y, m - 1, d + 1))
    out.until = `${next.toISOString().slice(0, 10)}T00:00:00${offset}`
  }
  return out
}

/**
 * Days left to a deadline in the words a district official reads: "剩余 12 天", "今日到期", "逾期 1342 天"
 * (the APIs give a signed whole number of days; negative is past the due date).
 */
export function daysLeftText(days: number | null | undefined): string {
  if (days === null || days === undefined || !Number.isFinite(days)) return '—'
  const d = Math.trunc(days)
  if (d === 0) return '今日到期'
  return d < 0 ? `逾期 ${-d} 天` : `剩余 ${d} 天`
}

export type DaysLeftTone = 'overdue' | 'red' | 'amber' | undefined

/**
 * How days left are coloured: overdue always red; otherwise, where the row has a red/amber/green colour
 * (挂图作战), red or amber as that colour says (the registry applies its red/amber thresholds); else plain.
 */
export function daysLeftTone(days: number | null | undefined, rag?: string | null): DaysLeftTone {
  if (days === null || days === undefined || !Number.isFinite(days)) return undefined
  if (days < 0) return 'overdue'
  if (rag === 'red') return 'red'
  if (rag === 'amber') return 'amber'
  return undefined
}
