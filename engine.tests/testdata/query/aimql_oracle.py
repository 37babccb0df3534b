"""The Python side of engine.tests/Query/PythonDifferentialTests.cs: evaluates AimQL expressions with CPython, over a
small model of Aim 3.29's query proxies written from the rules in the README's AimQL section, and prints one line of
outcome per expression. One process serves a whole run of the test.

Input (stdin, UTF-8): a first line of JSON {"run": {...}, "max_string": N, "max_list": N}, then one JSON string per
line, an expression. Output: one line per expression, the outcome in the encoding of PythonDifferentialTests.Encode:
    N  None             b:True / b:False       i:<decimal>     f:<int64 bits of the double, decimal> or f:nan
    s:<code points, hex, comma-separated>      l[...] t(...) d{k:v,...} with items comma-separated
    U  Undefined        E:<Python exception type>              L  a limit (64-bit ints, string and list sizes)
    T  Python took more than 2 s (never expected: a case to look at)

The model (each rule as AimQL applies it, see PyUndefined.cs and PyOps.Access.cs):
  - run.<name> / run['name'] with constant str or non-negative int keys is a param path; a missing path is None when it
    has one segment (Aim's SafeNone) and Undefined below (Aim's Undefined); a stored None is None.
  - Undefined is falsy, == nothing (!= everything), ordering comparisons with it are False, 'x in Undefined' raises
    TypeError, its attributes and items are Undefined, arithmetic on it raises TypeError.
  - ordering comparisons with None on either side are False (Aim's proxies turn the TypeError into False).
  - 'x in None' is False (Aim's SafeNone iterates as empty).
  - min and max order their items with the same operators, so None and Undefined never replace the first item.
  - a slice of Undefined raises TypeError; printf-style 'str % x' is refused with TypeError (AimQL's sandbox).
  - ints are 64-bit: a result outside the range is a limit error, not a big int.
  - run.experiment of a run without one is 'default'; run.duration is end_time - creation_time in floats.
"""
import ast
import json
import math
import signal
import struct
import sys
import warnings

INT_MIN, INT_MAX = -(1 << 63), (1 << 63) - 1
METHODS = {'lower', 'upper', 'casefold', 'title', 'capitalize', 'swapcase', 'strip', 'lstrip', 'rstrip',
           'startswith', 'endswith', 'find', 'count'}


class Limit(Exception):
    """AimQL's QueryLimitException."""


class Undefined:
    """Aim's Undefined as its proxy presents it."""
    __slots__ = ()

    def __bool__(self):
        return False

    def __eq__(self, other):
        return False

    def __ne__(self, other):
        return True

    __hash__ = object.__hash__

    def __lt__(self, other):
        return False

    __le__ = __gt__ = __ge__ = __lt__

    def __getattr__(self, name):
        if name in METHODS:
            raise AttributeError(name)
        return Undefined()

    def __getitem__(self, key):
        if isinstance(key, slice):
            raise TypeError("'Undefined' object is not subscriptable")
        return Undefined()

    def __iter__(self):
        # Without this, 'in' and min() would iterate through __getitem__ for ever.
        raise TypeError("'Undefined' object is not iterable")

    def __contains__(self, item):
        raise TypeError("argument of type 'Undefined' is not iterable")


def check_int(value):
    if isinstance(value, int) and not isinstance(value, bool) and not INT_MIN <= value <= INT_MAX:
        raise Limit()
    return value


class Model:
    def __init__(self, setup):
        self.params = setup['run']['params']
        self.fields = setup['run']['fields']
        self.max_string = setup['max_string']
        self.max_list = setup['max_list']
        self.tags = list(self.fields['tags'])

    def field(self, name):
        f = self.fields
        if name == 'tags':
            return self.tags
        if name == 'experiment':
            return f['experiment'] if f['experiment'] is not None else 'default'
        if name in ('creation_time', 'end_time', 'duration'):
            created = float(f['created_ticks']) / 1e7
            end = None if f['end_ticks'] is None else float(f['end_ticks']) / 1e7
            if name == 'creation_time':
                return created
            if name == 'end_time':
                return end
            return (end if end is not None else float(f['now_ticks']) / 1e7) - created
        return f[name]

    def param(self, path):
        node = self.params
        for key in path:
            if isinstance(key, str) and isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(key, int) and isinstance(node, list) and 0 <= key < len(node):
                node = node[key]
            else:
                return None if len(path) <= 1 else Undefined()
        return node

    # Operators -----------------------------------------------------------------------------------------------------

    def size(self, value):
        if isinstance(value, str) and len(value) > self.max_string:
            raise Limit()
        if isinstance(value, (list, tuple)) and len(value) > self.max_list:
            raise Limit()
        return value

    def binop(self, op, a, b):
        if op == '%' and isinstance(a, str):
            raise TypeError("printf-style formatting is refused in AimQL")
        if op == '*' and isinstance(a, (str, list, tuple)) != isinstance(b, (str, list, tuple)):
            seq, n = (a, b) if isinstance(a, (str, list, tuple)) else (b, a)
            if isinstance(n, int) and len(seq) * max(n, 0) > (self.max_string if isinstance(seq, str) else self.max_list):
                raise Limit()
        if op == '**' and isinstance(a, int) and isinstance(b, int) and not isinstance(b, bool) and b > 64 and abs(a) > 1:
            raise Limit()
        result = {'+': lambda: a + b, '-': lambda: a - b, '*': lambda: a * b, '/': lambda: a / b,
                  '//': lambda: a // b, '%': lambda: a % b, '**': lambda: a ** b}[op]()
        if isinstance(result, complex):
            raise ValueError('complex')
        return self.size(check_int(result))

    def unary(self, op, a):
        if op == 'not':
            return not a
        return check_int(-a if op == '-' else +a)

    def equal(self, a, b):
        return a == b

    def order(self, a, b):
        """-1, 0, 1, or None when unordered; TypeError as Python for other mixes."""
        if a is None or b is None or isinstance(a, Undefined) or isinstance(b, Undefined):
            return None
        if (isinstance(a, list) and isinstance(b, list)) or (isinstance(a, tuple) and isinstance(b, tuple)):
            for x, y in zip(a, b):
                if not self.equal(x, y):
                    return self.order(x, y)
            return (len(a) > len(b)) - (len(a) < len(b))
        if a < b:
            return -1
        if a > b:
            return 1
        if a == b:
            return 0
        return None

    def contains(self, item, container):
        if container is None:
            return False
        return item in container

    def identical(self, a, b):
        if a is None or b is None:
            return a is b
        if isinstance(a, Undefined) or isinstance(b, Undefined):
            return False
        if isinstance(a, (bool, int, float, str)) and type(a) is type(b):
            return a == b if not isinstance(a, float) else struct.pack('<d', a) == struct.pack('<d', b)
        return a is b

    def compare(self, op, a, b):
        if op == '==':
            return self.equal(a, b)
        if op == '!=':
            return not self.equal(a, b)
        if op == 'in':
            return self.contains(a, b)
        if op == 'not in':
            return not self.contains(a, b)
        if op == 'is':
            return self.identical(a, b)
        if op == 'is not':
            return not self.identical(a, b)
        o = self.order(a, b)
        if o is None:
            return False
        return {'<': o < 0, '<=': o <= 0, '>': o > 0, '>=': o >= 0}[op]

    def chain(self, first, rest):
        left = first()
        for op, right_thunk in rest:
            right = right_thunk()
            if not self.compare(op, left, right):
                return False
            left = right
        return True

    # Builtins ------------------------------------------------------------------------------------------------------

    def builtins(self):
        def wrap(f):
            return lambda *args: self.size(check_int(f(*args)))

        def rounded(number, ndigits=None):
            # round(7, -10**18) would compute 10**(10**18): any 64-bit int rounds to 0 at 20 digits, as in AimQL.
            if type(number) is int and type(ndigits) is int and ndigits < -20:
                return 0
            return round(number, ndigits)

        def extreme(op):
            # min and max compare as AimQL's operators do: None and Undefined are unordered, so never replace.
            def pick(*args):
                items = list(args[0]) if len(args) == 1 else list(args)
                if not items:
                    raise ValueError('empty')
                best = items[0]
                for item in items[1:]:
                    if self.compare(op, item, best):
                        best = item
                return best
            return pick

        return {'len': wrap(len), 'abs': wrap(abs), 'round': wrap(rounded), 'any': any, 'all': all,
                'sum': wrap(lambda it, start=0: sum(it, start)), 'min': extreme('<'), 'max': extreme('>')}


BINOPS = {ast.Add: '+', ast.Sub: '-', ast.Mult: '*', ast.Div: '/', ast.FloorDiv: '//', ast.Mod: '%', ast.Pow: '**'}
CMPOPS = {ast.Lt: '<', ast.LtE: '<=', ast.Gt: '>', ast.GtE: '>=', ast.Eq: '==', ast.NotEq: '!=', ast.In: 'in',
          ast.NotIn: 'not in', ast.Is: 'is', ast.IsNot: 'is not'}
RUN_FIELDS = {'name', 'hash', 'tags', 'experiment', 'creation_time', 'end_time', 'duration'}


def call(name, *args):
    return ast.Call(func=ast.Attribute(value=ast.Name(id='__m', ctx=ast.Load()), attr=name, ctx=ast.Load()),
                    args=list(args), keywords=[])


def thunk(node):
    return ast.Lambda(args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]), body=node)


def param_path(node):
    """The constant path of run.a['b'][0] (str and non-negative int keys), or None."""
    if isinstance(node, ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id == 'run':
            return None if node.attr in RUN_FIELDS else (node.attr,)
        base = param_path(node.value)
        return None if base is None else base + (node.attr,)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, (ast.Constant, ast.Tuple)):
        keys = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if not all(isinstance(k, ast.Constant) and (isinstance(k.value, str) or (type(k.value) is int and k.value >= 0)) for k in keys):
            return None
        if isinstance(node.value, ast.Name) and node.value.id == 'run':
            return tuple(k.value for k in keys)
        base = param_path(node.value)
        return None if base is None else base + tuple(k.value for k in keys)
    return None


class Rewrite(ast.NodeTransformer):
    def visit_Call(self, node):
        # x.lower(): a method of the value, never a param path ending in 'lower'.
        if isinstance(node.func, ast.Attribute) and node.func.attr in METHODS:
            node.func.value = self.visit(node.func.value)
            node.args = [self.visit(a) for a in node.args]
            return node
        return self.generic_visit(node)

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id == 'run' and node.attr in RUN_FIELDS:
            return call('field', ast.Constant(node.attr))
        path = param_path(node)
        if path is not None:
            return call('param', ast.Constant(path))
        return self.generic_visit(node)

    def visit_Subscript(self, node):
        path = param_path(node)
        if path is not None:
            return call('param', ast.Constant(path))
        return self.generic_visit(node)

    def visit_BinOp(self, node):
        self.generic_visit(node)
        return call('binop', ast.Constant(BINOPS[type(node.op)]), node.left, node.right)

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        op = {ast.USub: '-', ast.UAdd: '+', ast.Not: 'not'}[type(node.op)]
        return call('unary', ast.Constant(op), node.operand)

    def visit_Compare(self, node):
        self.generic_visit(node)
        rest = ast.List(elts=[ast.Tuple(elts=[ast.Constant(CMPOPS[type(op)]), thunk(c)], ctx=ast.Load())
                              for op, c in zip(node.ops, node.comparators)], ctx=ast.Load())
        return call('chain', thunk(node.left), rest)


def encode(value):
    if value is None:
        return 'N'
    if isinstance(value, Undefined):
        return 'U'
    if isinstance(value, bool):
        return 'b:%s' % value
    if isinstance(value, int):
        return 'i:%d' % value
    if isinstance(value, float):
        return 'f:nan' if math.isnan(value) else 'f:%d' % struct.unpack('<q', struct.pack('<d', value))[0]
    if isinstance(value, str):
        return 's:' + ','.join('%X' % ord(c) for c in value)
    if isinstance(value, list):
        return 'l[' + ','.join(encode(v) for v in value) + ']'
    if isinstance(value, tuple):
        return 't(' + ','.join(encode(v) for v in value) + ')'
    if isinstance(value, dict):
        return 'd{' + ','.join(encode(k) + ':' + encode(v) for k, v in value.items()) + '}'
    return '?' + type(value).__name__


def timed_out(signum, frame):
    raise TimeoutError()


def evaluate(model, builtins, text):
    # A case Python cannot finish in 2 s is reported, not waited for ('T'), so one case cannot stall the batch.
    signal.setitimer(signal.ITIMER_REAL, 2.0)
    try:
        tree = ast.fix_missing_locations(Rewrite().visit(ast.parse(text, mode='eval')))
        code = compile(tree, '<aimql>', 'eval')
        scope = dict(builtins)
        scope['__m'] = model
        scope['__builtins__'] = {}
        return encode(eval(code, scope))
    except Limit:
        return 'L'
    except MemoryError:
        return 'L'
    except RecursionError:
        return 'L'
    except TimeoutError:
        return 'T'
    except Exception as e:  # noqa: BLE001 - every Python error is an outcome to compare
        return 'E:' + type(e).__name__
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def main():
    stdin = open(sys.stdin.fileno(), encoding='utf-8', errors='surrogatepass')
    stdout = open(sys.stdout.fileno(), 'w', encoding='utf-8', errors='surrogatepass')
    signal.signal(signal.SIGALRM, timed_out)
    warnings.simplefilter('ignore')  # SyntaxWarning for '1[0]' and the like: the outcome is what counts
    setup = json.loads(stdin.readline())
    model = Model(setup)
    builtins = model.builtins()
    for line in stdin:
        stdout.write(evaluate(model, builtins, json.loads(line)) + '\n')
    stdout.flush()


if __name__ == '__main__':
    main()
