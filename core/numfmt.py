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
           "sci", "sub", "sup", "with_error"]

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
        text = f"{d:+.{places}f}"
        return f"{0:.{places}f}" if float(text) == 0 else text   # a half unit rounds to even
    return ("+" if d > 0 else "") + sci(d, 2)


def _error_decade(err: float) -> int:
    """The decade k of the last digit an uncertainty is given to (Particle Data Group rule):
    two significant digits when its first three are 100 to 354 (1.5, 0.23, 130), one when
    they are 355 to 949 (0.4, 9); 950 to 999 round up to two digits of the next decade (0.97 →
    1.0)."""
    mant, _, exp = f"{err:.2e}".partition("e")      # '9.99e+00'; 9.996 rounds to '1.00e+01'
    lead3 = int(round(float(mant) * 100))
    return int(exp) - 1 if lead3 < 355 else int(exp)


def _round_half_away(v: float) -> int:
    """2.5 → 3, -2.5 → -3 (round() would give 2 and -2)."""
    return int(math.copysign(math.floor(abs(v) + 0.5), v))


def _shift(i: int, places: int) -> str:
    """The integer i × 10**-places as a decimal with `places` decimals: (-12, 1) → '-1.2'."""
    if places <= 0:
        return str(i * 10 ** -places)
    digits = str(abs(i)).rjust(places + 1, "0")
    return ("-" if i < 0 else "") + digits[:-places] + "." + digits[-places:]


def with_error(x, err, max_digits: int = 4) -> str:
    """A value with its uncertainty, the value to the uncertainty's precision: the uncertainty
    has 1 or 2 significant digits (see `_error_decade`), the value is rounded to the same
    decade. with_error(-0.1167, 1.5) → '-0.1 ± 1.5', (2.019, 2.1) → '2.0 ± 2.1',
    (61.3, 9.2) → '61 ± 9', (-121.6, 130) → '-120 ± 130'; outside the plain range one power of
    ten for both: (2.0e-5, 2.1e-5) → '(2.0 ± 2.1) × 10⁻⁵'. A value the uncertainty would give
    more than `max_digits` significant digits is shown to `max_digits` and the uncertainty on
    its own: (0.693147, 1.2e-6) → '0.6931 ± 1.2 × 10⁻⁶'. Without a finite uncertainty > 0:
    `num(x, max_digits)`."""
    if not _finite(x):
        return NONE
    x = float(x)
    if not _finite(err) or float(err) <= 0:
        return num(x, max_digits)
    err = float(err)
    if abs(x) >= err * 10.0 ** (max_digits + 1):   # far too many digits (and x / unit may overflow)
        return f"{num(x, max_digits)} ± {num(err, 2)}"
    k = _error_decade(err)
    unit = 10.0 ** k
    xi, ei = _round_half_away(x / unit), _round_half_away(err / unit)
    top = max(abs(xi), ei)                     # in units of 10**k; ei ≥ 1
    e = k + len(str(top)) - 1                  # decade of the larger rounded number
    if e - k + 1 > max_digits:
        return f"{num(x, max_digits)} ± {num(err, 2)}"
    if PLAIN[0] <= top * unit < PLAIN[1]:
        return f"{_shift(xi, -k)} ± {_shift(ei, -k)}"
    return f"({_shift(xi, e - k)} ± {_shift(ei, e - k)}) × 10{sup(e)}"


def log_range_text(lo: float, hi: float) -> str:
    """A heatmap's colour range given in log10 units, as values:
    (-17.7, -1.25) → '2.0 × 10⁻¹⁸ (dark) to 5.6 × 10⁻² (bright)'."""
    return f"{sci(10.0 ** lo)} (dark) to {sci(10.0 ** hi)} (bright)"
