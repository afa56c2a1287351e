"""The XLSForm expression subset: its parser to a JSON syntax tree, and what a tree refers to.

``relevant``, ``constraint`` and ``required`` expressions are parsed once, at import, into a
tree of JSON arrays that ships with the checklist. Two evaluators run the tree by the same
rules: :mod:`evaluation` (on the server, authoritative at submit) and ``static/js/expressions.js``
(in the browser, while the inspector fills the form). ``tests/data/expressions.json`` holds the
test vectors both are held to.

The grammar is the ODK XPath core every real form uses (xlsform.md §2)::

    or      := and ("or" and)*
    and     := eq ("and" eq)*
    eq      := rel (("=" | "!=") rel)*
    rel     := add (("<" | "<=" | ">" | ">=") add)*
    add     := mul (("+" | "-") mul)*
    mul     := unary (("*" | "div" | "mod") unary)*
    unary   := "-" unary | primary
    primary := NUMBER | STRING | "${" NAME "}" | "." | FUNCTION "(" args ")" | "(" or ")"

Trees: ``["num", 1.5]``, ``["str", "no"]``, ``["ref", "A1"]``, ``["cur"]`` (the question's own
value), ``["neg", x]``, ``[op, a, b]`` for the operators above, ``["call", name, *args]``, and in a
``choice_filter`` only, ``["col", name]``: a column of the choice being filtered (pyxform's
``county=${county}`` reads the ``county`` column of each choice; ``name`` is the choice's name).

How trees are run (the value rules) is :mod:`evaluation`.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

Node = list[t.Any]

FUNCTIONS: dict[str, tuple[int, int]] = {
    # name: (fewest arguments, most arguments)
    "not": (1, 1),
    "selected": (2, 2),
    "count-selected": (1, 1),
    "regex": (2, 2),
    "string-length": (0, 1),
    "today": (0, 0),
    "true": (0, 0),
    "false": (0, 0),
    # Functions calculations use (xlsform.org; JavaRosa's reading where engines differ).
    "if": (3, 3),
    "concat": (0, 64),
    "coalesce": (2, 2),
    "round": (1, 2),
    "int": (1, 1),
    "number": (1, 1),
    "string": (1, 1),
    "boolean": (1, 1),
    "substr": (2, 3),
    "contains": (2, 2),
    "starts-with": (2, 2),
    "ends-with": (2, 2),
}
COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
ARITHMETIC = ("+", "-", "*", "div", "mod")
KEYWORDS = {"and", "or", "div", "mod"}
WHITESPACE = re.compile(r"[ \t\r\n]+")

_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+", re.ASCII)
_NAME = re.compile(r"[^\W\d][\w.\-]*(?::[^\W\d][\w.\-]*)?")
_REF = re.compile(r"\$\{([^\W\d][\w.\-]*)\}")
_PUNCT = ("!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "(", ")", ",")


class ExpressionError(Exception):
    """An expression outside the subset. ``kind`` says why; ``token`` is the offending text."""

    def __init__(self, kind: str, token: str = "", position: int = 0) -> None:
        super().__init__(f"{kind}: {token!r} at {position}")
        self.kind = kind
        self.token = token
        self.position = position


@dataclass(frozen=True)
class Token:
    kind: str  # "num", "str", "ref", "cur", "name", "op", "end"
    text: str
    position: int


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch in " \t\r\n":
            i += 1
            continue
        if ch == "$":
            match = _REF.match(source, i)
            if not match:
                end = source.find("}", i)
                raise ExpressionError("bad_reference", source[i:end + 1 if end >= 0 else n], i)
            tokens.append(Token("ref", match.group(1), i))
            i = match.end()
            continue
        if ch in "'\"":
            end = source.find(ch, i + 1)
            if end < 0:
                raise ExpressionError("unclosed_string", source[i:], i)
            tokens.append(Token("str", source[i + 1:end], i))
            i = end + 1
            continue
        if ch.isascii() and ch.isdigit() or (ch == "." and i + 1 < n and source[i + 1].isascii()
                                             and source[i + 1].isdigit()):
            match = _NUMBER.match(source, i)
            assert match is not None
            tokens.append(Token("num", match.group(), i))
            i = match.end()
            continue
        if ch == ".":
            if source.startswith("..", i):
                raise ExpressionError("path", "..", i)
            tokens.append(Token("cur", ".", i))
            i += 1
            continue
        punct = next((p for p in _PUNCT if source.startswith(p, i)), None)
        if punct is not None:
            tokens.append(Token("op", punct, i))
            i += len(punct)
            continue
        match = _NAME.match(source, i)
        if match:
            tokens.append(Token("name", match.group(), i))
            i = match.end()
            continue
        if ch in "/@[]|":
            raise ExpressionError("path", ch, i)
        raise ExpressionError("unexpected_char", ch, i)
    tokens.append(Token("end", "", n))
    return tokens


class _Parser:
    def __init__(self, source: str, *, columns: bool = False) -> None:
        self.tokens = tokenize(source)
        self.i = 0
        self.columns = columns

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def at_op(self, *ops: str) -> str | None:
        tok = self.tok
        if tok.kind == "op" and tok.text in ops:
            return tok.text
        if tok.kind == "name" and tok.text in ops and tok.text in KEYWORDS:
            return tok.text
        return None

    def expect(self, text: str) -> None:
        tok = self.tok
        if tok.kind != "op" or tok.text != text:
            self.fail(tok)
        self.i += 1

    def fail(self, tok: Token) -> t.NoReturn:
        if tok.kind == "end":
            raise ExpressionError("unexpected_end", "", tok.position)
        raise ExpressionError("unexpected_token", tok.text if tok.kind != "str" else repr(tok.text), tok.position)

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise ExpressionError("empty", "", 0)
        node = self.or_()
        if self.tok.kind != "end":
            self.fail(self.tok)
        return node

    def _binary(self, ops: tuple[str, ...], operand: t.Callable[[], Node]) -> Node:
        node = operand()
        while op := self.at_op(*ops):
            self.take()
            node = [op, node, operand()]
        return node

    def or_(self) -> Node:
        return self._binary(("or",), self.and_)

    def and_(self) -> Node:
        return self._binary(("and",), self.eq)

    def eq(self) -> Node:
        return self._binary(("=", "!="), self.rel)

    def rel(self) -> Node:
        return self._binary(("<", "<=", ">", ">="), self.add)

    def add(self) -> Node:
        return self._binary(("+", "-"), self.mul)

    def mul(self) -> Node:
        return self._binary(("*", "div", "mod"), self.unary)

    def unary(self) -> Node:
        if self.at_op("-"):
            self.take()
            return ["neg", self.unary()]
        return self.primary()

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            value = float(tok.text)
            return ["num", int(value) if value.is_integer() and abs(value) < 2**53 else value]
        if tok.kind == "str":
            return ["str", tok.text]
        if tok.kind == "ref":
            return ["ref", tok.text]
        if tok.kind == "cur":
            return ["cur"]
        if tok.kind == "op" and tok.text == "(":
            node = self.or_()
            self.expect(")")
            return node
        if tok.kind == "name":
            if self.tok.kind != "op" or self.tok.text != "(":
                if self.columns and ":" not in tok.text:
                    return ["col", tok.text]
                raise ExpressionError("bare_name", tok.text, tok.position)
            return self.call(tok)
        self.i -= 1
        self.fail(tok)

    def call(self, name: Token) -> Node:
        if name.text not in FUNCTIONS:
            raise ExpressionError("unknown_function", name.text, name.position)
        self.expect("(")
        args: list[Node] = []
        if not (self.tok.kind == "op" and self.tok.text == ")"):
            args.append(self.or_())
            while self.at_op(","):
                self.take()
                args.append(self.or_())
        self.expect(")")
        low, high = FUNCTIONS[name.text]
        if not low <= len(args) <= high:
            raise ExpressionError("arity", name.text, name.position)
        if name.text == "regex":
            pattern = args[1]
            if pattern[0] != "str":
                raise ExpressionError("regex_literal", name.text, name.position)
            check_pattern(pattern[1], name.position)
        return ["call", name.text, *args]


def parse(source: str, *, columns: bool = False) -> Node:
    """Parse an XLSForm expression into its JSON tree, or raise :class:`ExpressionError`.

    ``columns``: a ``choice_filter``, where a bare name is a column of the choice (``["col", name]``).
    """
    return _Parser(source, columns=columns).parse()


# Constructs one of Python's and JavaScript's regular expressions reads differently or not at all.
_UNPORTABLE_ESCAPES = set("AZzGpPkNU")


def check_pattern(pattern: str, position: int = 0) -> None:
    """Refuse a regex pattern that Python and JavaScript would not read the same way."""
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 < n and pattern[i + 1] in _UNPORTABLE_ESCAPES:
                raise ExpressionError("regex_unportable", pattern[i:i + 2], position)
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern.startswith("[^]", i) or pattern.startswith("[]", i):
                raise ExpressionError("regex_unportable", pattern[i:i + 3], position)
        elif ch == "(" and pattern.startswith("(?", i):
            if not pattern.startswith(("(?:", "(?=", "(?!", "(?<=", "(?<!"), i):
                raise ExpressionError("regex_unportable", pattern[i:i + 3], position)
        elif ch in "*+?}" and i + 1 < n and pattern[i + 1] == "+":
            raise ExpressionError("regex_unportable", pattern[i:i + 2], position)
        i += 1
    try:
        re.compile(pattern, re.ASCII)
    except re.error as exc:
        raise ExpressionError("regex_invalid", pattern, position) from exc


def references(node: Node) -> set[str]:
    """The question names ``${…}`` in a tree refers to."""
    if node[0] == "ref":
        return {node[1]}
    found: set[str] = set()
    for part in node[1:]:
        if isinstance(part, list):
            found |= references(part)
    return found


_PIPE = re.compile(r"\$\{([^}]*)\}")


def piped_names(text: str) -> list[str] | None:
    """The question names a label or hint shows as ``${name}``, in order; None when a ``${`` is not one."""
    names = []
    for match in _PIPE.finditer(text):
        if not _REF.fullmatch(match.group()):
            return None
        names.append(match.group(1))
    if text.count("${") != len(names):
        return None
    return names


def pipe(text: str, lookup: t.Callable[[str], str]) -> str:
    """``text`` with each ``${name}`` replaced by the answer ``lookup`` gives (as ``<output>`` does in ODK)."""
    return _PIPE.sub(lambda m: lookup(m.group(1)), text) if "${" in text else text


def columns(node: Node) -> set[str]:
    """The choice columns a ``choice_filter`` tree reads."""
    if node[0] == "col":
        return {node[1]}
    found: set[str] = set()
    for part in node[1:]:
        if isinstance(part, list):
            found |= columns(part)
    return found


def uses_current(node: Node) -> bool:
    """Whether the tree refers to the question's own value (``.``)."""
    if node[0] == "cur":
        return True
    return any(isinstance(part, list) and uses_current(part) for part in node[1:])
