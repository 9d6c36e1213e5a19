"""Spreadsheet exports: free text that a spreadsheet cannot carry as given still downloads, as text."""
import datetime as dt
import io

from openpyxl import load_workbook

from fc_shared.xlsx import workbook_bytes


def _sheet(rows):
    return load_workbook(io.BytesIO(workbook_bytes("挂图作战", ("名称", "日期", "金额"), rows))).active


def test_control_characters_are_left_out_not_a_failed_download():
    sheet = _sheet([("社区\x00一\x0b期\x1f", dt.date(2025, 1, 2), 100), ("换行\n与\t制表", None, 0),
                    ("非\ufffe字\uffff符\ud800", None, 1)])
    assert sheet.cell(2, 1).value == "社区一期"
    assert sheet.cell(3, 1).value == "换行\n与\t制表"  # tab and newline are legal in a cell and kept
    assert sheet.cell(4, 1).value == "非字符"  # written by openpyxl but no XML reader opens the file: left out


def test_text_that_looks_like_a_formula_stays_text():
    sheet = _sheet([("=HYPERLINK(\"http://x\",\"点我\")", dt.date(2025, 1, 2), 12_345)])
    assert sheet.cell(2, 1).data_type == "s"
    assert sheet.cell(2, 1).value == "=HYPERLINK(\"http://x\",\"点我\")"
    assert sheet.cell(2, 3).value == 12_345 and sheet.cell(2, 3).data_type == "n"
    assert sheet.cell(2, 2).value.date() == dt.date(2025, 1, 2)
    assert sheet.cell(1, 1).value == "名称" and sheet.max_row == 2
