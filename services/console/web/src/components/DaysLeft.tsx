import { daysLeftText, daysLeftTone } from '../lib/format'

const TONE_COLOR = { overdue: '#cf1322', red: '#cf1322', amber: '#d48806' } as const

/** Days left in words (剩余 12 天 / 今日到期 / 逾期 1342 天): red when overdue, amber or red as the row's colour says. */
export function DaysLeft({ days, rag }: { days: number | null | undefined; rag?: string | null }) {
  const tone = daysLeftTone(days, rag)
  return (
    <span className="days-left" data-tone={tone ?? 'plain'} style={tone ? { color: TONE_COLOR[tone], fontWeight: 500 } : undefined}>
      {daysLeftText(days)}
    </span>
  )
}
