"""Mean-field theory of signal and gradient propagation (Poole et al. 2016; Schoenholz et al. 2017).

Notation: a_l = W_l h_{l-1} + b_l, h_l = φ(a_l), Var(W_l) = σ_w²/fan_in, Var(b_l) = σ_b², z ~ N(0, 1).
Wide-layer limit: every unit's pre-activation is N(0, q_l) with
    q_{l+1} = σ_w² E[φ(√q_l z)²] + σ_b²        (variance map)
and backprop multiplies ‖∂L/∂h‖² by χ = σ_w² E[φ'(√q z)²] per layer.
Pure numpy; φ and φ' follow torch's definitions (including the value of φ' at the kink x = 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu", "selu", "gelu", "silu",
               "softplus", "maxout", "linear")
LEAKY_SLOPE = 0.01      # torch.nn.LeakyReLU default
PRELU_SLOPE = 0.25      # torch.nn.PReLU initial slope
SELU_ALPHA = 1.6732632423543772848170429916717   # torch's constants
SELU_SCALE = 1.0507009873554804934193349852946
SOFTPLUS_THRESHOLD = 20.0  # torch: softplus(x) = x above this (beta = 1)

_erf = np.vectorize(math.erf, otypes=[float])   # numpy has no erf; math.erf is exact to 1 ulp


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))          # never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _as_array(name: str, x) -> np.ndarray:
    if name == "maxout":
        raise ValueError("maxout is not a pointwise function; use mean_phi_sq/mean_dphi_sq")
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {list(ACTIVATIONS)}")
    return np.asarray(x, dtype=np.float64)


def phi(name: str, x) -> np.ndarray:
    """φ(x) for a named activation, as torch.nn.functional computes it (float64)."""
    x = _as_array(name, x)
    neg = np.minimum(x, 0.0)        # exp only of the negative part: no overflow warnings
    if name == "sigmoid":
        return _sigmoid(x)
    if name == "tanh":
        return np.tanh(x)
    if name == "relu":
        return np.maximum(x, 0.0)
    if name in ("leaky_relu", "prelu"):
        return np.where(x > 0, x, (LEAKY_SLOPE if name == "leaky_relu" else PRELU_SLOPE) * x)
    if name == "elu":
        return np.where(x > 0, x, np.expm1(neg))
    if name == "selu":
        return SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(neg))
    if name == "gelu":
        return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))
    if name == "silu":
        return x * _sigmoid(x)
    if name == "softplus":
        return np.where(x > SOFTPLUS_THRESHOLD, x,
                        np.log1p(np.exp(np.minimum(x, SOFTPLUS_THRESHOLD))))
    return x.copy()  # linear


def dphi(name: str, x) -> np.ndarray:
    """φ'(x), matching torch autograd, including its choice at x = 0 (relu 0, leaky 0.01,
    prelu 0.25, selu scale·alpha: torch takes the left branch there for all but elu, where both
    branches give 1)."""
    x = _as_array(name, x)
    neg = np.minimum(x, 0.0)
    if name == "sigmoid":
        s = _sigmoid(x)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - np.tanh(x) ** 2
    if name == "relu":
        return (x > 0).astype(np.float64)
    if name in ("leaky_relu", "prelu"):
        return np.where(x > 0, 1.0, LEAKY_SLOPE if name == "leaky_relu" else PRELU_SLOPE)
    if name == "elu":
        return np.where(x > 0, 1.0, np.exp(neg))
    if name == "selu":
        return SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(neg))
    if name == "gelu":
        return 0.5 * (1.0 + _erf(x / math.sqrt(2.0))) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * np.pi)
    if name == "silu":
        s = _sigmoid(x)
        return s * (1.0 + x * (1.0 - s))
    if name == "softplus":
        return np.where(x > SOFTPLUS_THRESHOLD, 1.0, _sigmoid(x))
    return np.ones_like(x)  # linear


# ---- quadrature ------------------------------------------------------------------------------

def expect(fn: Callable[[np.ndarray], np.ndarray], q: float, n: int = 16) -> float:
    """E[fn(√q z)] for z ~ N(0, 1), accurate to ~1e-12 for every q ≥ 0.

    Composite Gauss–Legendre over z ∈ [-10, 10] (the mass outside is < 1e-22) with `n` nodes per
    panel. Panels meet at z = 0, where every kink or jump of these activations sits, and grow
    geometrically (ratio 2) from width min(1, 1/√q)/8, so they resolve both the Gaussian (scale 1
    in z) and φ's features (scale 1 in x = √q z, i.e. 1/√q in z). A single Gauss–Hermite rule
    cannot: with 101 nodes it is 2 % off for tanh's E[φ'²] at q = 10 and 130 % off at q = 100,
    and its node at z = 0 puts ReLU's E[φ'²] at 0.44 instead of 0.5.
    """
    q = float(q)
    if not (q >= 0.0 and math.isfinite(q)):
        raise ValueError(f"q must be a finite variance >= 0, got {q}")
    s = math.sqrt(q)
    first = min(1.0, 1.0 / s) / 8.0 if s > 0 else 0.125
    inner = first * 2.0 ** np.arange(math.ceil(math.log2(10.0 / first)))   # all < 10
    edges = np.concatenate([[0.0], inner, [10.0]])
    nodes, weights = _legendre(n)
    half = 0.5 * np.diff(edges)[:, None]
    z = (0.5 * (edges[1:] + edges[:-1]))[:, None] + half * nodes
    w = (half * weights * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)).ravel()
    z = z.ravel()
    with np.errstate(over="ignore"):    # a diverging variance becomes inf, which callers handle
        return float(np.dot(w, fn(s * z)) + np.dot(w, fn(-s * z)))


@lru_cache(maxsize=8)
def _legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(n)   # costs more than the integral itself


def expect_gauss_hermite(fn: Callable[[np.ndarray], np.ndarray], q: float, n: int = 101) -> float:
    """E[fn(√q z)] by one probabilists' Gauss–Hermite rule (weights normalised by √(2π)).

    Exact for polynomials of degree < 2n; kept for comparison with `expect` (inaccurate for
    kinked φ or q ≳ 10, see there).
    """
    z, w = _hermite(n)
    return float(np.dot(w / math.sqrt(2 * math.pi), fn(math.sqrt(q) * z)))


@lru_cache(maxsize=8)
def _hermite(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.hermite_e.hermegauss(n)


@lru_cache(maxsize=16)
def maxout_mean_sq(pieces: int = 2) -> float:
    """E[M²] for M the max of `pieces` iid N(0, 1): density of M is k φ(m) Φ(m)^(k-1).
    Equals 1 for k = 2 (max² + min² = z1² + z2²)."""
    if pieces < 1:
        raise ValueError(f"maxout needs at least 1 piece, got {pieces}")
    return expect(lambda m: m * m * pieces * (0.5 * (1.0 + _erf(m / math.sqrt(2.0)))) ** (pieces - 1),
                  1.0)


def mean_phi_sq(activation: str, q: float, maxout_pieces: int = 2) -> float:
    """E[φ(a)²] for a ~ N(0, q). Maxout: the max of k iid N(0, q) pieces (each piece has its own
    weights, so its pre-activations are independent), giving q·E[M_k²]."""
    if activation == "maxout":
        return q * maxout_mean_sq(maxout_pieces)
    return expect(lambda x: phi(activation, x) ** 2, q)


def mean_dphi_sq(activation: str, q: float, maxout_pieces: int = 2) -> float:
    """E[φ'(a)²] for a ~ N(0, q). Maxout: 1, since the gradient flows whole to the winning piece."""
    if activation == "maxout":
        return 1.0
    return expect(lambda x: dphi(activation, x) ** 2, q)


def variance_map(activation: str, q: float, sw2: float, sb2: float, maxout_pieces: int = 2) -> float:
    """q_{l+1} = σ_w² E[φ(√q_l z)²] + σ_b²: the pre-activation variance of the next layer."""
    return sw2 * mean_phi_sq(activation, q, maxout_pieces) + sb2


def chi(activation: str, q: float, sw2: float, maxout_pieces: int = 2) -> float:
    """χ = σ_w² E[φ'(√q z)²]: the factor by which ‖∂L/∂h‖² changes per layer going backward."""
    return sw2 * mean_dphi_sq(activation, q, maxout_pieces)


# ---- depth profiles --------------------------------------------------------------------------

def profile(activation: str, sw2, sb2, q1: float, maxout_pieces: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Pre-activation variances q and gradient factors χ of an L-layer net (0-based layers).

    sw2[l] = fan_in · Var(W_l) and sb2[l] = Var(b_l) for the weights W_l mapping h_{l-1} to
    a_l = W_l h_{l-1} + b_l (l = 0 is the input layer; h_{-1} is the data). q1 = Var(a_0) is given
    (it depends on the data); then q[l] = sw2[l] E[φ(√q[l-1] z)²] + sb2[l].

    chi[l] = sw2[l] E[φ'(√q[l] z)²]. Why: ∂L/∂h_{l-1} = W_lᵀ (φ'(a_l) ⊙ ∂L/∂h_l), and for
    independent weights E‖W_lᵀ δ‖² = fan_in Var(W_l) ‖δ‖² = sw2[l] ‖δ‖² (any fan_out), while
    ‖φ'(a_l) ⊙ g‖² ≈ E[φ'(a_l)²] ‖g‖². So ‖∂L/∂h_{l-1}‖ / ‖∂L/∂h_l‖ = √chi[l]; chi[0] is the
    factor from h_0 back to the input.
    """
    sw2, sb2 = np.asarray(sw2, dtype=np.float64), np.asarray(sb2, dtype=np.float64)
    if sw2.shape != sb2.shape or sw2.ndim != 1 or len(sw2) == 0:
        raise ValueError(f"sw2 and sb2 must be 1-D arrays of equal length, got {sw2.shape}, {sb2.shape}")
    q = np.full(len(sw2), np.inf)
    q[0] = q1
    with np.errstate(over="ignore"):
        for layer in range(1, len(sw2)):
            q[layer] = variance_map(activation, q[layer - 1], sw2[layer], sb2[layer], maxout_pieces)
            if not math.isfinite(q[layer]):
                break                # overflowed: the rest stay inf
    # Where q overflowed, φ' is taken at q = 1e300: for the unbounded φ that overflow (ReLU-like,
    # linear) χ no longer depends on q there, so the gradient prediction stays meaningful.
    c = np.array([chi(activation, min(qi, 1e300), s, maxout_pieces)
                  for qi, s in zip(q, sw2, strict=True)])
    return q, c


def predicted_grad_h(activation: str, sw2, sb2, q1: float, anchor: float,
                     maxout_pieces: int = 2) -> np.ndarray:
    """Predicted ‖∂L/∂h_l‖ for l = 0..L-1, anchored so the last (top hidden) layer equals `anchor`
    (its measured value) and propagated downward: grad_h[l-1] = grad_h[l] · √chi[l] (see `profile`).
    """
    _, c = profile(activation, sw2, sb2, q1, maxout_pieces)
    with np.errstate(over="ignore", invalid="ignore"):
        # cumulative product from the top: grad[l] = anchor · Π_{m=l+1}^{L-1} √chi[m]
        factors = np.concatenate([np.sqrt(c[1:]), [1.0]])
        return anchor * np.cumprod(factors[::-1])[::-1]


# ---- fixed point and the edge of chaos -------------------------------------------------------

def fixed_point(activation: str, sw: float, sb: float, q0: float = 1.0, maxout_pieces: int = 2) -> float:
    """q* that iterating the variance map from q0 converges to (np.inf if it grows without bound).

    The map is increasing in q, so iteration moves monotonically to the nearest root of
    g(q) = map(q) - q in the direction of g(q0); we bracket that root and bisect (iterating
    instead would converge only like 1/l near the edge of chaos). 0 is returned when the map
    shrinks every q > 0 (e.g. tanh with σ_b = 0, σ_w ≤ 1).
    """
    def g(q: float) -> float:
        return variance_map(activation, q, sw * sw, sb * sb, maxout_pieces) - q

    if not q0 > 0:
        raise ValueError(f"q0 must be > 0, got {q0}")
    tiny, huge = 1e-30, 1e30
    g0 = g(q0)
    if g0 == 0.0:
        return q0
    if g0 < 0:
        hi, lo = q0, q0 / 10.0
        while g(lo) < 0:
            if lo < tiny:
                return 0.0
            hi, lo = lo, lo / 10.0
    else:
        lo, hi = q0, q0 * 10.0
        while g(hi) > 0:
            if hi > huge:
                return math.inf
            lo, hi = hi, hi * 10.0
    for _ in range(200):
        mid = math.sqrt(lo * hi)     # lo > 0: bisect in log q, roots span many decades
        if g(mid) >= 0:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-14 * hi:
            break
    return 0.5 * (lo + hi)


def chi_at_fixed_point(activation: str, sw: float, sb: float, maxout_pieces: int = 2) -> float:
    """χ(q*) = σ_w² E[φ'(√q* z)²]: < 1 ordered (gradients vanish), > 1 chaotic (they explode).
    When q* diverges, χ is taken at q = 1e12 (ReLU-like φ: χ no longer depends on q there)."""
    q = fixed_point(activation, sw, sb, maxout_pieces=maxout_pieces)
    return chi(activation, q if math.isfinite(q) else 1e12, sw * sw, maxout_pieces)


def critical_sigma_w(activation: str, sb: float, maxout_pieces: int = 2) -> float:
    """σ_w on the edge of chaos, χ(q*) = 1, by bisection in σ_w (tanh, σ_b = 0: 1; ReLU: √2)."""
    def above(sw: float) -> bool:
        return chi_at_fixed_point(activation, sw, sb, maxout_pieces) > 1.0

    lo, hi = 0.0, 1.0
    while not above(hi):
        lo, hi = hi, 2.0 * hi
        if hi > 1e4:
            raise ValueError(f"{activation}: χ(q*) stays below 1 for σ_w up to 1e4 (σ_b = {sb})")
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if above(mid) else (mid, hi)
    return 0.5 * (lo + hi)


# ---- initialization schemes ------------------------------------------------------------------

def scheme_variance(scheme: str, fan_in: int, fan_out: int, scale: float = 1.0) -> float:
    """Var(W_ij) each init scheme gives (scale = σ_w multiplies the scheme's std).

    zeros 0; normal σ²/fan_in; uniform U(±σ/√fan_in) → σ²/(3 fan_in) (Glorot & Bengio 2010's
    'standard' heuristic); xavier_* σ²·2/(fan_in+fan_out); he_* σ²·2/fan_in; lecun_normal
    σ²/fan_in; orthogonal and identity σ²/max(fan_in, fan_out), which is σ²/fan_in for square
    W (the mean square entry of a scaled matrix with orthonormal rows or columns, or of torch's
    rectangular eye). lsuv is data-dependent: ValueError.
    """
    if fan_in < 1 or fan_out < 1:
        raise ValueError(f"fan_in and fan_out must be >= 1, got {fan_in}, {fan_out}")
    s2 = scale * scale
    table = {
        "zeros": 0.0,
        "normal": s2 / fan_in,
        "uniform": s2 / (3.0 * fan_in),
        "xavier_normal": 2.0 * s2 / (fan_in + fan_out),
        "xavier_uniform": 2.0 * s2 / (fan_in + fan_out),
        "he_normal": 2.0 * s2 / fan_in,
        "he_uniform": 2.0 * s2 / fan_in,
        "lecun_normal": s2 / fan_in,
        "orthogonal": s2 / max(fan_in, fan_out),
        "identity": s2 / max(fan_in, fan_out),
    }
    if scheme == "lsuv":
        raise ValueError("lsuv rescales each layer on a data batch; its variance has no closed form")
    if scheme not in table:
        raise ValueError(f"unknown init scheme {scheme!r}; choose one of {sorted(table) + ['lsuv']}")
    return table[scheme]
