"""Dates written the Chinese way, as court documents print them (pure; no Django).

* ``date_numerals(date(2026, 12, 3))`` → ``二〇二六年十二月三日`` — the numeral style of judgments and
  formal documents (党政机关公文格式 GB/T 9704-2012 §7.3.5.3 prints the year with 〇, not 零).
* ``date_digits(date(2026, 12, 3))`` → ``2026年12月3日`` — Arabic digits, no leading zeros, as the
  element-style complaint forms (要素式起诉状) print their dates.
"""

from __future__ import annotations

from datetime import date
from typing import Final

_YEAR_DIGITS: Final = "〇一二三四五六七八九"


def _small_number(value: int) -> str:
    """1–31 in Chinese numerals: 三, 十, 十二, 二十, 二十一, 三十一."""
    if not 1 <= value <= 31:
        raise ValueError(f"not a month or day number: {value}")
    tens, units = divmod(value, 10)
    text = ""
    if tens:
        text = ("" if tens == 1 else _YEAR_DIGITS[tens]) + "十"
    if units:
        text += _YEAR_DIGITS[units]
    return text


def date_numerals(day: date) -> str:
    """``二〇二六年十二月三日``: the year digit by digit with 〇, month and day as numbers."""
    year = "".join(_YEAR_DIGITS[int(d)] for d in f"{day.year:04d}")
    return f"{year}年{_small_number(day.month)}月{_small_number(day.day)}日"


def date_digits(day: date) -> str:
    """``2026年12月3日``: Arabic digits without leading zeros."""
    return f"{day.year}年{day.month}月{day.day}日"
