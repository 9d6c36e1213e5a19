import { describe, expect, it } from 'vitest'
import { daysLeftText, daysLeftTone, exactYuan, wan, wanToFen, ymd } from './format'

describe('money in 万元', () => {
  it('shows two decimals of 万元 from integer fen', () => {
    expect(wan(950_000_000)).toBe('950.00')
    expect(wan(1_000_000)).toBe('1.00')
    expect(wan(0)).toBe('0.00')
    expect(wan(12_345_678_901)).toBe('12,345.68')
  })
  it('rounds half away from zero at the 百元 digit, exactly', () => {
    expect(wan(4_999)).toBe('0.00')
    expect(wan(5_000)).toBe('0.01')
    expect(wan(-5_000)).toBe('-0.01')
    expect(wan(-4_999)).toBe('0.00')
    expect(wan(900_719_925_474_099)).toBe('900,719,925.47')
  })
  it('gives the exact amount to the fen for the hover', () => {
    expect(exactYuan(950_000_000)).toBe('9,500,000.00 元（950000000 分）')
    expect(exactYuan(123_456_789)).toBe('1,234,567.89 元（123456789 分）')
    expect(exactYuan(-1)).toBe('-0.01 元（-1 分）')
  })
  it('parses a 万元 input into fen without float error', () => {
    expect(wanToFen('700')).toBe(700_000_000)
    expect(wanToFen('0.000001')).toBe(1)
    expect(wanToFen('350.5')).toBe(350_500_000)
    expect(wanToFen('0.29')).toBe(290_000) // 0.29 * 1e6 is 289999.99999999994 in floating point
    expect(() => wanToFen('1.2345678')).toThrow()
    expect(() => wanToFen('一百')).toThrow()
  })
  it('shows dates as YYYY-MM-DD', () => {
    expect(ymd('2026-11-30')).toBe('2026-11-30')
    expect(ymd(null)).toBe('—')
  })
})

describe('days left in words', () => {
  it('says how many days remain, that it is due today, or how long it is overdue', () => {
    expect(daysLeftText(12)).toBe('剩余 12 天')
    expect(daysLeftText(1)).toBe('剩余 1 天')
    expect(daysLeftText(0)).toBe('今日到期')
    expect(daysLeftText(-1)).toBe('逾期 1 天')
    expect(daysLeftText(-1342)).toBe('逾期 1342 天')
    expect(daysLeftText(null)).toBe('—')
    expect(daysLeftText(undefined)).toBe('—')
  })
  it('is red when overdue, and red or amber as the row colour says otherwise', () => {
    expect(daysLeftTone(-1342)).toBe('overdue')
    expect(daysLeftTone(-1, 'green')).toBe('overdue')
    expect(daysLeftTone(0, 'red')).toBe('red')
    expect(daysLeftTone(20, 'amber')).toBe('amber')
    expect(daysLeftTone(90, 'green')).toBeUndefined()
    expect(daysLeftTone(3)).toBeUndefined()
    expect(daysLeftTone(null, 'red')).toBeUndefined()
  })
})
