"""Numbers as students read them in captions, readouts and tick labels.

Plain decimals where they are short (0.001 to 9999), scientific notation with Unicode
superscripts elsewhere ("2.0 × 10⁻¹⁸", never "2e-18" or "10^-17.7"): a QLabel shows these
without rich text. Signs are ASCII "-" like the rest of the app (and parseable by float()).
Nothing here imports Qt: core's plain-words messages use it too (desktop_app.plots.numfmt
re-exports it).
"""

from __future__ import annotations

import math

__all__ = ["NONE", "PLAIN", "SUBSCRIPT", "SUPERSCRIPT", "diff", "log_range_text", "num", "pow10",
           "sci", "sub", "sup"]

SUPERSCRIPT = str.maketrans("-0123456789.", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹·")
SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
PLAIN = (1e-3, 1e4)      # |x| in [1e-3, 1e4): plain decimals
NONE = "—"               # not a number (NaN, ±Inf, None)


def sup(s) -> str:
    """'-17' → '⁻¹⁷' (digits, '-' and '.' only)."""
    return str(s).translate(SUPERSCRIPT)


def sub(s) -> str:
    """'50' → '₅₀'."""
    return str(s).translate(SUBSCRIPT)


def _finite(x) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def pow10(e: float, digits: int = 1) -> str:
    """10 to the power e: pow10(-18) → '10⁻¹⁸', pow10(-17.7) → '10⁻¹⁷·⁷'."""
    if not _finite(e):
        return NONE
    e = float(e)
    text = str(int(round(e))) if abs(e - round(e)) < 0.5 * 10 ** -digits else f"{e:.{digits}f}"
    return "10" + sup(text)


def sci(x, digits: int = 2, trim: bool = False) -> str:
    """Scientific notation with `digits` significant digits: 2e-18 → '2.0 × 10⁻¹⁸',
    -3.1e5 → '-3.1 × 10⁵'; the mantissa alone when the exponent is 0 ('6.3'); '0' for 0.
    `trim` drops trailing zeros of the mantissa (like :g): 6e-8 → '6 × 10⁻⁸'."""
    if not _finite(x):
        return NONE
    x = float(x)
    if x == 0:
        return "0"
    mant, _, exp = f"{x:.{max(digits, 1) - 1}e}".partition("e")   # rounds 9.96 → 1.0e+01
    e = int(exp)
    if trim and "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    return mant if e == 0 else f"{mant} × 10{sup(e)}"


def num(x, digits: int = 3, plain: tuple[float, float] = PLAIN) -> str:
    """`digits` significant digits, as plain decimals when plain[0] ≤ |x| < plain[1] (trailing
    zeros dropped: 0.5, 0.693, 1230) and in `sci` otherwise (also without trailing zeros:
    '6 × 10⁻⁸', '1.23 × 10⁻⁴'); '0' for 0, '—' if not finite."""
    if not _finite(x):
        return NONE
    x = float(x)
    if x == 0:
        return "0"
    s = f"{x:.{digits}g}"
    if not plain[0] <= abs(float(s)) < plain[1]:     # decided on the rounded value
        return sci(x, digits, trim=True)
    if "e" in s:                       # 1234 at 3 digits is '1.23e+03': write 1230
        s = f"{float(s):.0f}"
    return s


def diff(a, b, digits: int = 3) -> str:
    """b − a, signed, to the resolution at which `num(a, digits)` and `num(b, digits)` show
    a and b: a difference they cannot show is zero. diff(0.693, 0.69300006) → '0.000',
    diff(0.25, 0.5) → '+0.250', diff(0.0150, 0.0123) → '-0.0027'; out of the plain range
    the difference is in `sci` (2 digits): '+2.7 × 10⁻⁸'."""
    if not (_finite(a) and _finite(b)):
        return NONE
    a, b = float(a), float(b)
    d = b - a
    ref = max(abs(a), abs(b))
    if ref == 0:
        return "0"
    k = math.floor(math.log10(ref)) - digits + 1     # the last digit shown is 10**k
    unit, places = 10.0 ** k, max(0, -k)
    plain = PLAIN[0] <= ref < PLAIN[1]
    if abs(d) < 0.5 * unit:
        return f"{0:.{places}f}" if plain else "0"
    if plain:
        return f"{d:+.{places}f}"
    return ("+" if d > 0 else "") + sci(d, 2)


def log_range_text(lo: float, hi: float) -> str:
    """A heatmap's colour range given in log10 units, as values:
    (-17.7, -1.25) → '2.0 × 10⁻¹⁸ (dark) to 5.6 × 10⁻² (bright)'."""
    return f"{sci(10.0 ** lo)} (dark) to {sci(10.0 ** hi)} (bright)"
