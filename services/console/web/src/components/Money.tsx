import { Tooltip } from 'antd'
import { exactYuan, wan } from '../lib/format'

/** An amount in 万元 with two decimals; the exact amount (元 and 分) on hover or focus. */
export function Money({ fen, unit = true }: { fen: number | null | undefined; unit?: boolean }) {
  if (fen === null || fen === undefined) return <span>—</span>
  return (
    <Tooltip title={exactYuan(fen)}>
      <span className="money" tabIndex={0} data-fen={fen} aria-label={exactYuan(fen)}>
        {wan(fen)}
        {unit ? ' 万元' : ''}
      </span>
    </Tooltip>
  )
}
