#!/usr/bin/env python3
"""Writes the bad-input corpus: CSV and JSON-lines files with, beside each, the good
records and the dead letters a file source must produce from it.

The expectations are worked out here, case by case, from the documented reading rules
(docs/IO.md), not by running sluice; tests/io/bad_input_corpus_test.cc runs every file
through CsvSource / JsonLinesSource under every bad-record policy and compares. Where
Python's own csv and json modules can judge a line, the generator checks its hand-made
expectation against them too, so a slip here is caught before it becomes a test.

    python3 tests/data/bad_input/generate_corpus.py   # rewrites csv/ and json/

Every file is read with one schema, fields in this order (CSV by position, JSON by
key): id (int64), amount (double), name (string), count (uint8), all required.

Beside `<case>.csv` or `<case>.jsonl`:
  <case>.good  one line per good record, in file order: id TAB amount TAB count TAB
               the name's bytes in hex (empty for an empty name)
  <case>.dead  one line per bad record, in file order: line TAB the record's bytes in
               hex TAB a text the reason must contain
"""

import csv
import io
import json
import math
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


class Case:
    """A file built from records; knows each record's line and expected outcome."""

    def __init__(self, name, eol=b"\n", final_eol=True, prefix=b""):
        self.name = name
        self.eol = eol
        self.final_eol = final_eol
        self.prefix = prefix  # bytes before the first line (a byte-order mark)
        self.items = []  # (raw bytes, outcome): outcome is ("good", row) / ("bad", reason) / ("skip",)

    def good(self, raw, row):
        self.items.append((raw, ("good", row)))
        return self

    def bad(self, raw, reason):
        self.items.append((raw, ("bad", reason)))
        return self

    def skip(self, raw):
        self.items.append((raw, ("skip",)))
        return self

    def build(self):
        content = bytearray(self.prefix)
        good, dead = [], []
        line = 1
        for i, (raw, outcome) in enumerate(self.items):
            content += raw
            if i + 1 < len(self.items) or self.final_eol:
                content += self.eol
            if outcome[0] == "good":
                good.append(outcome[1])
            elif outcome[0] == "bad":
                # The record is the line without its line end, "\n" or "\r\n".
                dead.append((line, raw[:-1] if raw.endswith(b"\r") else raw, outcome[1]))
            line += raw.count(b"\n") + 1
        return bytes(content), good, dead


def csv_line(row):
    """A CSV record for a row, quoting the name only when it must be quoted."""
    id_, amount, name, count = row
    text = name.decode("utf-8")
    if any(c in text for c in ',"\n') or text != text.strip(" "):
        text = '"' + text.replace('"', '""') + '"'
    return f"{id_},{fmt(amount)},{text},{count}".encode("utf-8")


def fmt(amount):
    return repr(float(amount)) if not float(amount).is_integer() else str(int(amount))


def json_line(row, extra=""):
    id_, amount, name, count = row
    return (
        '{"id":%d,"amount":%s,"name":%s,"count":%d%s}'
        % (id_, fmt(amount), json.dumps(name.decode("utf-8")), count, extra)
    ).encode("utf-8")


def row(id_, amount=1.5, name=b"n", count=1):
    return (id_, float(amount), name, count)


# ---------------------------------------------------------------- CSV cases


def csv_cases():
    cases = []

    def case(name, **kwargs):
        c = Case(name, **kwargs)
        cases.append(c)
        return c

    def g(c, id_, **kw):
        r = row(id_, **kw)
        return c.good(csv_line(r), r)

    # Quoting.
    c = case("quote_delimiter_inside")
    c.good(b'1,2.5,"a,b",3', row(1, 2.5, b"a,b", 3))
    c.good(b'2,2.5,",",3', row(2, 2.5, b",", 3))
    g(c, 3)
    c = case("quote_doubled_quotes")
    c.good(b'1,1,"say ""hi""",1', row(1, 1, b'say "hi"', 1))
    c.good(b'2,1,"""",1', row(2, 1, b'"', 1))
    c.good(b'3,1,"""""",1', row(3, 1, b'""', 1))
    c = case("quote_line_break_inside")
    c.good(b'1,1,"two\nlines",1', row(1, 1, b"two\nlines", 1))
    g(c, 2)
    c.good(b'3,1,"three\n\nlines",1', row(3, 1, b"three\n\nlines", 1))
    g(c, 4)
    c = case("quote_stray_in_unquoted_field")
    g(c, 1)
    c.bad(b'2,1,ab"c,1', "quote inside an unquoted field")
    c.bad(b'3,1,abc",1', "quote inside an unquoted field")
    g(c, 4)
    c = case("quote_text_after_closing_quote")
    c.bad(b'1,1,"ab"c,1', "unexpected text after the closing quote")
    c.bad(b'2,1,"ab" ,1', "unexpected text after the closing quote")
    g(c, 3)
    c = case("quote_space_before_opening_quote")
    c.bad(b'1,1, "ab",1', "quote inside an unquoted field")
    g(c, 2)
    c = case("quote_empty_quoted_fields")
    c.good(b'1,1,"",1', row(1, 1, b"", 1))
    c.bad(b'2,"",x,1', "field 'amount': empty value")
    c = case("quote_quoted_numbers")
    c.good(b'"1","2.5","a","3"', row(1, 2.5, b"a", 3))
    c.bad(b'"1 ",2.5,a,3', "field 'id': not an integer: '1 '")
    # An unterminated quote mid-file: the first line is bad, the lines it would have
    # swallowed are read again on their own.
    c = case("quote_unterminated_mid_file")
    g(c, 1)
    c.bad(b'2,1,"never closed,1', "unterminated quoted field")
    g(c, 3)
    g(c, 4)
    c = case("quote_unterminated_at_end", final_eol=False)
    g(c, 1)
    c.bad(b'2,1,"cut off', "unterminated quoted field")
    c = case("quote_closed_by_a_later_line")
    # The next line's quote closes the field: the two lines are one (bad) record.
    c.bad(b'1,1,"open\nx,1,"also open', "unexpected text after the closing quote")
    g(c, 3)
    c = case("quote_delimiter_and_break_in_name")
    c.good(b'1,1,"a,\nb,",1', row(1, 1, b"a,\nb,", 1))
    c.good(b'2,1,"""\n""",1', row(2, 1, b'"\n"', 1))
    g(c, 3)
    c = case("quote_only_quotes")
    # A lone quote opens a field that the next line's quotes close: one record.
    c.bad(b'"\n"""', "expected 4 fields, found 1")
    g(c, 3)
    c.bad(b'"', "unterminated quoted field")

    c = case("quote_multiline_record_with_wrong_count")
    # A bad record spanning lines is reported at the line where it starts.
    g(c, 1)
    c.bad(b'2,"a\nb"', "expected 4 fields, found 2")
    g(c, 4)

    # Field counts.
    c = case("fields_too_few")
    c.bad(b"1,2.5,a", "expected 4 fields, found 3")
    c.bad(b"1", "expected 4 fields, found 1")
    g(c, 3)
    c = case("fields_too_many")
    c.bad(b"1,2.5,a,1,extra", "expected 4 fields, found 5")
    c.bad(b"1,2.5,a,1,", "expected 4 fields, found 5")
    g(c, 3)
    c = case("fields_only_delimiters")
    c.bad(b",,,", "field 'id': empty value")
    c.bad(b",,,,,,", "expected 4 fields, found 7")
    g(c, 3)
    c = case("fields_blank_lines_skipped")
    c.skip(b"")
    g(c, 2)
    c.skip(b"")
    c.skip(b"")
    g(c, 5)
    c = case("fields_whitespace_line")
    c.bad(b"   ", "expected 4 fields, found 1")
    c.bad(b"\t", "expected 4 fields, found 1")
    g(c, 3)
    c = case("fields_other_delimiters")
    c.bad(b"1;2.5;a;1", "expected 4 fields, found 1")
    c.bad(b"1\t2.5\ta\t1", "expected 4 fields, found 1")
    g(c, 3)
    c = case("fields_empty_name_is_a_value")
    c.good(b"1,2.5,,3", row(1, 2.5, b"", 3))
    c.bad(b"2,2.5,a,", "field 'count': empty value")
    c = case("fields_every_record_bad")
    for i in range(1, 40):
        c.bad(b"%d,x" % i, "expected 4 fields, found 2")

    # Numbers and overflow.
    c = case("numbers_int64_limits")
    c.good(b"%d,1,a,1" % INT64_MAX, row(INT64_MAX, 1, b"a", 1))
    c.good(b"%d,1,a,1" % INT64_MIN, row(INT64_MIN, 1, b"a", 1))
    c.bad(b"%d,1,a,1" % (INT64_MAX + 1), "field 'id': integer out of range")
    c.bad(b"%d,1,a,1" % (INT64_MIN - 1), "field 'id': integer out of range")
    c.bad(b"99999999999999999999999999,1,a,1", "field 'id': integer out of range")
    c = case("numbers_uint8_range")
    c.good(b"1,1,a,0", row(1, 1, b"a", 0))
    c.good(b"2,1,a,255", row(2, 1, b"a", 255))
    c.bad(b"3,1,a,256", "field 'count': integer out of range: '256'")
    c.bad(b"4,1,a,-1", "field 'count': not an integer: '-1'")
    c = case("numbers_not_integers")
    c.bad(b"1.5,1,a,1", "field 'id': not an integer: '1.5'")
    c.bad(b"1e3,1,a,1", "field 'id': not an integer: '1e3'")
    c.bad(b"+1,1,a,1", "field 'id': not an integer: '+1'")
    c.bad(b" 1,1,a,1", "field 'id': not an integer: ' 1'")
    c.bad(b"1 ,1,a,1", "field 'id': not an integer: '1 '")
    c.bad(b"0x10,1,a,1", "field 'id': not an integer: '0x10'")
    c.bad(b"1_000,1,a,1", "field 'id': not an integer: '1_000'")
    c.bad(b"--1,1,a,1", "field 'id': not an integer: '--1'")
    c.bad(b"-,1,a,1", "field 'id': not an integer: '-'")
    g(c, 10)
    c = case("numbers_leading_zeros_in_csv")
    # CSV has no number grammar of its own: 007 is seven.
    c.good(b"007,0.50,a,010", row(7, 0.5, b"a", 10))
    c.good(b"-0,1,a,1", row(0, 1, b"a", 1))
    c = case("numbers_doubles")
    c.good(b"1,1e308,a,1", row(1, 1e308, b"a", 1))
    c.good(b"2,-2.5E-3,a,1", row(2, -2.5e-3, b"a", 1))
    c.good(b"3,.5,a,1", row(3, 0.5, b"a", 1))
    c.good(b"4,5.,a,1", row(4, 5.0, b"a", 1))
    c.bad(b"5,1e309,a,1", "field 'amount': number out of range: '1e309'")
    c.bad(b"6,-1e309,a,1", "field 'amount': number out of range: '-1e309'")
    c.bad(b"7,1.2.3,a,1", "field 'amount': not a number: '1.2.3'")
    c.bad(b"8,1e,a,1", "field 'amount': not a number: '1e'")
    c.bad(b"9,12abc,a,1", "field 'amount': not a number: '12abc'")
    c.bad(b"10,+1,a,1", "field 'amount': not a number: '+1'")
    c.bad(b"11,1,5,a,1", "expected 4 fields, found 5")
    c = case("numbers_empty_fields")
    c.bad(b",1,a,1", "field 'id': empty value, expected an integer")
    c.bad(b"1,,a,1", "field 'amount': empty value, expected a number")
    c.bad(b"1,1,a,", "field 'count': empty value, expected an integer")
    g(c, 4)
    c = case("numbers_huge_digit_string")
    c.bad(b"1" * 5000 + b",1,a,1", "field 'id': integer out of range: '1111111111")
    c.bad(b"1,1" + b"0" * 5000 + b",a,1", "field 'amount': number out of range")
    g(c, 3)

    # Invalid UTF-8 (each record is kept byte for byte in the dead letter, base64).
    c = case("utf8_invalid_sequences")
    for i, bad_bytes in enumerate(
        [b"\x80", b"\xbf", b"\xc3", b"\xc0\xaf", b"\xe0\x80\x80", b"\xed\xa0\x80",
         b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xff", b"\xfe\xff",
         b"a\xe2\x82", b"\xe2\x82a"]):
        c.bad(b"%d,1,%s,1" % (i + 1, bad_bytes), "invalid UTF-8")
    g(c, 99)
    c = case("utf8_valid_multibyte")
    for i, text in enumerate(["é", "€", "😀", "日本語", "\u200b", "\U0010ffff", "a\u0301"]):
        r = row(i + 1, 1, text.encode("utf-8"), 1)
        c.good(csv_line(r), r)
    c = case("utf8_bom_at_start", prefix=b"\xef\xbb\xbf")
    g(c, 1)
    g(c, 2)
    c = case("utf8_bom_mid_file")
    g(c, 1)
    # Only a file's first bytes can be a byte-order mark; elsewhere U+FEFF is text.
    c.bad(b"\xef\xbb\xbf2,1,a,1", "field 'id': not an integer")
    c.good(b"3,1,\xef\xbb\xbfa,1", row(3, 1, b"\xef\xbb\xbfa", 1))
    c = case("utf8_invalid_in_quoted_multiline")
    c.bad(b'1,1,"a\n\xff",1', "invalid UTF-8")
    g(c, 3)
    c = case("utf8_truncated_at_end_of_file", final_eol=False)
    g(c, 1)
    c.bad(b"2,1,\xe6\x97", "invalid UTF-8")

    # NUL and other control bytes.
    c = case("nul_in_string_field")
    c.good(b"1,1,a\x00b,1", row(1, 1, b"a\x00b", 1))
    c.good(b"2,1,\x00,1", row(2, 1, b"\x00", 1))
    c = case("nul_in_number_field")
    c.bad(b"1\x00,1,a,1", "field 'id': not an integer")
    c.bad(b"2,\x001,a,1", "field 'amount': not a number")
    g(c, 3)
    c = case("nul_only_lines")
    c.bad(b"\x00", "expected 4 fields, found 1")
    c.bad(b"\x00\x00\x00\x00", "expected 4 fields, found 1")
    g(c, 3)
    c = case("control_bytes_in_name")
    c.good(b"1,1,a\tb,1", row(1, 1, b"a\tb", 1))
    c.good(b"2,1,\x01\x1f\x7f,1", row(2, 1, b"\x01\x1f\x7f", 1))
    c.good(b"3,1,\x0c,1", row(3, 1, b"\x0c", 1))

    # Line endings.
    c = case("eol_crlf", eol=b"\r\n")
    g(c, 1)
    g(c, 2)
    c.bad(b"3,1", "expected 4 fields, found 2")
    c = case("eol_crlf_no_final", eol=b"\r\n", final_eol=False)
    g(c, 1)
    g(c, 2)
    c = case("eol_mixed")
    c.good(b"1,1,a,1\r", row(1, 1, b"a", 1))  # \r\n: the \r goes with the newline
    g(c, 2)
    c.good(b"3,1,a,1\r", row(3, 1, b"a", 1))
    c = case("eol_lone_cr_is_data")
    # A lone CR does not end a line: old Mac files are one long line.
    c.bad(b"1,1,a,1\r2,1,b,1", "expected 4 fields, found 7")
    c.good(b"3,1,x\ry,1", row(3, 1, b"x\ry", 1))
    c = case("eol_double_cr")
    c.good(b"1,1,a\r,1\r", row(1, 1, b"a\r", 1))
    c.bad(b"2,1,a,1\r\r", "field 'count': not an integer: '1\r'")
    c = case("eol_no_final_newline", final_eol=False)
    g(c, 1)
    g(c, 2)
    c = case("eol_crlf_blank_lines", eol=b"\r\n")
    g(c, 1)
    c.skip(b"")
    c.skip(b"")
    g(c, 4)
    c = case("eol_crlf_inside_quotes", eol=b"\r\n")
    # A line break inside quotes is kept as "\n": the reader joins lines with "\n".
    c.good(b'1,1,"a\r\nb",1', row(1, 1, b"a\nb", 1))
    g(c, 3)
    c = case("eol_form_feed_and_vertical_tab")
    c.good(b"1,1,a\x0b,1", row(1, 1, b"a\x0b", 1))
    c.bad(b"\x0c", "expected 4 fields, found 1")

    # Long lines (the 4 MiB quoted-field limit is in the test, not in a file).
    c = case("long_name_field")
    c.good(b"1,1," + b"x" * 70000 + b",1", row(1, 1, b"x" * 70000, 1))
    g(c, 2)
    c = case("long_bad_line")
    c.bad(b"1,1," + b"y" * 70000, "expected 4 fields, found 3")
    c.bad(b"2," + b"9" * 70000 + b",a,1", "field 'amount': number out of range")
    g(c, 3)
    c = case("long_quoted_multiline_record")
    lines = b"\n".join(b"line %d with, commas" % i for i in range(2000))
    c.good(b'1,1,"' + lines + b'",1', row(1, 1, lines, 1))
    g(c, 2)
    c = case("many_short_records")
    for i in range(1, 3001):
        if i % 97 == 0:
            c.bad(b"%d,bad,x,1" % i, "field 'amount': not a number: 'bad'")
        else:
            g(c, i, amount=i / 4, name=b"n%d" % i, count=i % 256)

    # Truncated and empty files.
    c = case("truncated_mid_record", final_eol=False)
    g(c, 1)
    c.bad(b"2,1.", "expected 4 fields, found 2")
    c = case("truncated_mid_number", final_eol=False)
    g(c, 1)
    c.bad(b"2,1,a,", "field 'count': empty value")
    c = case("truncated_empty_file")
    c = case("truncated_only_newlines")
    c.skip(b"")
    c.skip(b"")
    c.skip(b"")
    c = case("truncated_only_bom", prefix=b"\xef\xbb\xbf", final_eol=False)
    c = case("truncated_partial_bom", final_eol=False)
    c.bad(b"\xef\xbb1,1,a,1", "invalid UTF-8")
    c = case("truncated_after_quote_open", final_eol=False)
    g(c, 1)
    c.bad(b'2,1,"', "unterminated quoted field")
    return cases


# ---------------------------------------------------------------- JSON cases

JSON_GOOD = ('{"id":1,"amount":1.5,"name":"n","count":1}', row(1))


def json_cases():
    cases = []

    def case(name, **kwargs):
        c = Case(name, **kwargs)
        cases.append(c)
        return c

    def g(c, id_, extra="", **kw):
        r = row(id_, **kw)
        return c.good(json_line(r, extra), r)

    def bad(c, text, reason):
        return c.bad(text.encode("utf-8") if isinstance(text, str) else text, reason)

    # Structure.
    c = case("structure_text_after_object")
    bad(c, '{"id":1,"amount":1,"name":"a","count":1} x',
        "unexpected text after the JSON object at column 42")
    bad(c, '{"id":1,"amount":1,"name":"a","count":1}}',
        "unexpected text after the JSON object")
    bad(c, '{"id":1,"amount":1,"name":"a","count":1}{"id":2}',
        "unexpected text after the JSON object")
    bad(c, '{"id":1,"amount":1,"name":"a","count":1},',
        "unexpected text after the JSON object")
    g(c, 5)
    c = case("structure_nul_after_object")
    bad(c, b'{"id":1,"amount":1,"name":"a","count":1}\x00',
        "unexpected text after the JSON object: a NUL byte at column 41")
    bad(c, b'{"id":1,"amount":1,"name":"a","count":1}  \x00\x00',
        "a NUL byte at column 43")
    g(c, 3)
    c = case("structure_not_objects")
    bad(c, "[1,2,3]", "not a JSON object")
    bad(c, "5", "not a JSON object")
    bad(c, '"text"', "not a JSON object")
    bad(c, "null", "not a JSON object")
    bad(c, "true", "not a JSON object")
    g(c, 6)
    c = case("structure_unclosed")
    bad(c, '{"id":1,"amount":1,"name":"a","count":1', "the object is not closed")
    bad(c, '{"id":1,"amount":1,"name":"a', "invalid JSON")
    bad(c, "{", "invalid JSON")
    bad(c, '{"id":', "invalid JSON")
    g(c, 5)
    c = case("structure_commas_and_colons")
    bad(c, '{"id":1,"amount":1,"name":"a","count":1,}', "invalid JSON")
    bad(c, '{,"id":1,"amount":1,"name":"a","count":1}', "invalid JSON")
    bad(c, '{"id":1,,"amount":1,"name":"a","count":1}', "invalid JSON")
    bad(c, '{"id" 1,"amount":1,"name":"a","count":1}', "invalid JSON")
    bad(c, '{"id":1 "amount":1,"name":"a","count":1}', "invalid JSON")
    g(c, 6)
    c = case("structure_not_json_dialects")
    bad(c, "{'id':1,'amount':1,'name':'a','count':1}", "invalid JSON")
    bad(c, '{id:1,"amount":1,"name":"a","count":1}', "invalid JSON")
    bad(c, '{"id":1,"amount":1,"name":"a","count":1} // comment', "unexpected text")
    bad(c, '{"id":1,/*c*/"amount":1,"name":"a","count":1}', "invalid JSON")
    g(c, 5)
    c = case("structure_duplicate_keys")
    bad(c, '{"id":1,"id":2,"amount":1,"name":"a","count":1}', "field 'id' appears twice")
    # A key the schema does not read may repeat: JSON allows it, and it is not used.
    g(c, 2, extra=',"x":1,"x":2')
    c = case("structure_empty_and_missing")
    bad(c, "{}", "missing field 'id'")
    bad(c, '{"id":1,"amount":1,"name":"a"}', "missing field 'count'")
    bad(c, '{"id":1,"amount":null,"name":"a","count":1}', "null field 'amount'")
    g(c, 4)
    c = case("structure_nested_ignored_values")
    g(c, 1, extra=',"meta":{"a":[1,{"b":null}],"c":"x"}')
    g(c, 2, extra=',"list":[[],[{}],[1.5e3,-2,true,false,null,"s"]]')
    c = case("structure_deep_nesting")
    g(c, 1, extra=',"deep":' + "[" * 200 + "]" * 200)
    bad(c, '{"id":2,"amount":1,"name":"a","count":1,"deep":' + "[" * 300 + "]" * 300 + "}",
        "JSON nested deeper than 256 levels")
    bad(c, '{"id":3,"deep":' + "[" * 2000 + "]" * 2000 + ',"amount":1,"name":"a","count":1}',
        "field 'deep': JSON nested deeper than 256 levels")
    g(c, 4)
    c = case("structure_whitespace")
    c.good(b' \t{ "id" : 1 , "amount" : 1.5 , "name" : "n" , "count" : 1 } \t', row(1))
    c.skip(b"")
    c.bad(b"   ", "invalid JSON")
    g(c, 4)

    # Values.
    c = case("values_malformed_under_ignored_keys")
    for i, value in enumerate(["tru", "nul", "fals", "[1,}", '"\\q"', "01", "1.", "-",
                               '{"a":tru}', "[1,2", "NaN", "Infinity", ".5", "+1"]):
        text = '{"id":%d,"amount":1,"name":"a","count":1,"z":%s}' % (i + 1, value)
        bad(c, text, "invalid JSON")
    g(c, 99, extra=',"z":[true,false,null,0,-0.0,1e5,"\\u00e9"]')
    c = case("values_number_grammar")
    bad(c, '{"id":070,"amount":1,"name":"a","count":1}',
        "field 'id': invalid JSON number '070' (a leading zero)")
    bad(c, '{"id":-01,"amount":1,"name":"a","count":1}', "a leading zero")
    bad(c, '{"id":1,"amount":1.,"name":"a","count":1}',
        "field 'amount': invalid JSON number '1.' (no digits after the decimal point)")
    bad(c, '{"id":1,"amount":1e,"name":"a","count":1}', "no digits in the exponent")
    bad(c, '{"id":1,"amount":1E+,"name":"a","count":1}', "no digits in the exponent")
    bad(c, '{"id":1,"amount":.5,"name":"a","count":1}', "invalid JSON")
    bad(c, '{"id":+1,"amount":1,"name":"a","count":1}', "invalid JSON")
    bad(c, '{"id":0x10,"amount":1,"name":"a","count":1}', "invalid JSON")
    bad(c, '{"id":1,"amount":NaN,"name":"a","count":1}', "invalid JSON")
    bad(c, '{"id":1,"amount":Infinity,"name":"a","count":1}', "invalid JSON")
    bad(c, '{"id":1,"amount":-Infinity,"name":"a","count":1}', "invalid JSON")
    bad(c, '{"id":1,"amount":12abc,"name":"a","count":1}',
        "field 'amount': invalid JSON number '12abc'")
    c.good(b'{"id":0,"amount":-0.0,"name":"a","count":0}', row(0, -0.0, b"a", 0))
    c.good(b'{"id":-5,"amount":2.5E-3,"name":"a","count":9}', row(-5, 2.5e-3, b"a", 9))
    c.good(b'{"id":7,"amount":1e2,"name":"a","count":1}', row(7, 100, b"a", 1))
    c = case("values_integer_ranges")
    c.good(b'{"id":%d,"amount":1,"name":"a","count":255}' % INT64_MAX,
           row(INT64_MAX, 1, b"a", 255))
    c.good(b'{"id":%d,"amount":1,"name":"a","count":0}' % INT64_MIN,
           row(INT64_MIN, 1, b"a", 0))
    bad(c, '{"id":%d,"amount":1,"name":"a","count":1}' % (INT64_MAX + 1),
        "field 'id': integer out of range")
    bad(c, '{"id":1,"amount":1,"name":"a","count":256}', "field 'count': integer out of range")
    bad(c, '{"id":1,"amount":1,"name":"a","count":-1}', "field 'count': not an integer: '-1'")
    bad(c, '{"id":1.0,"amount":1,"name":"a","count":1}', "field 'id': not an integer: '1.0'")
    bad(c, '{"id":1e2,"amount":1,"name":"a","count":1}', "field 'id': not an integer: '1e2'")
    bad(c, '{"id":1,"amount":1e400,"name":"a","count":1}', "field 'amount': number out of range")
    c = case("values_wrong_types")
    bad(c, '{"id":"1","amount":1,"name":"a","count":1}',
        "field 'id': expected a number, found a string")
    bad(c, '{"id":1,"amount":true,"name":"a","count":1}',
        "field 'amount': expected a number, found a boolean")
    bad(c, '{"id":1,"amount":1,"name":5,"count":1}',
        "field 'name': expected a string, found a number")
    bad(c, '{"id":1,"amount":1,"name":["a"],"count":1}',
        "field 'name': expected a string, found an array")
    bad(c, '{"id":1,"amount":1,"name":{"a":1},"count":1}',
        "field 'name': expected a string, found an object")
    bad(c, '{"id":[1,],"amount":1,"name":"a","count":1}', "invalid JSON")
    g(c, 7)
    c = case("values_string_escapes")
    c.good(b'{"id":1,"amount":1,"name":"a\\"b\\\\c\\/d","count":1}', row(1, 1, b'a"b\\c/d', 1))
    c.good(b'{"id":2,"amount":1,"name":"\\b\\f\\n\\r\\t","count":1}',
           row(2, 1, b"\b\f\n\r\t", 1))
    c.good(b'{"id":3,"amount":1,"name":"\\u00e9\\u20ac","count":1}',
           row(3, 1, "é€".encode("utf-8"), 1))
    c.good(b'{"id":4,"amount":1,"name":"\\ud83d\\ude00","count":1}',
           row(4, 1, "😀".encode("utf-8"), 1))
    c.good(b'{"id":5,"amount":1,"name":"\\u0000","count":1}', row(5, 1, b"\x00", 1))
    bad(c, '{"id":6,"amount":1,"name":"\\ud800","count":1}', "invalid JSON")
    bad(c, '{"id":7,"amount":1,"name":"\\udc00x","count":1}', "invalid JSON")
    bad(c, '{"id":8,"amount":1,"name":"\\u12","count":1}', "invalid JSON")
    bad(c, '{"id":9,"amount":1,"name":"\\x41","count":1}', "invalid JSON")
    bad(c, '{"id":10,"amount":1,"name":"a\\","count":1}', "invalid JSON")
    c = case("values_unescaped_control_characters")
    bad(c, b'{"id":1,"amount":1,"name":"a\tb","count":1}', "invalid JSON")
    bad(c, b'{"id":2,"amount":1,"name":"a\x01b","count":1}', "invalid JSON")
    bad(c, b'{"id":3,"amount":1,"name":"a\x00b","count":1}', "invalid JSON")
    bad(c, b'{"id":4,"amount":1,"name":"\x1f","count":1}', "invalid JSON")
    # DEL is not a control character to JSON.
    c.good(b'{"id":5,"amount":1,"name":"\x7f","count":1}', row(5, 1, b"\x7f", 1))
    c = case("values_exponent_forms")
    c.good(b'{"id":1,"amount":1E5,"name":"a","count":1}', row(1, 1e5, b"a", 1))
    c.good(b'{"id":2,"amount":1e-5,"name":"a","count":1}', row(2, 1e-5, b"a", 1))
    c.good(b'{"id":3,"amount":-1.25e+2,"name":"a","count":1}', row(3, -125, b"a", 1))
    bad(c, '{"id":4,"amount":1,"name":"a","count":1e1}', "field 'count': not an integer")
    c = case("values_booleans_for_numbers")
    bad(c, '{"id":1,"amount":1,"name":"a","count":true}',
        "field 'count': expected a number, found a boolean")
    bad(c, '{"id":false,"amount":1,"name":"a","count":1}',
        "field 'id': expected a number, found a boolean")
    g(c, 3)
    c = case("structure_key_escapes")
    # Keys are compared unescaped: "i\u0064" is "id".
    c.good(b'{"i\\u0064":1,"amount":1.5,"name":"n","count":1}', row(1))
    bad(c, '{"i\\qd":1,"amount":1,"name":"a","count":1}', "invalid JSON")
    g(c, 3)
    c = case("values_null_for_optional_looking_fields")
    bad(c, '{"id":null,"amount":1,"name":"a","count":1}', "null field 'id'")
    bad(c, '{"id":1,"amount":1,"name":null,"count":1}', "null field 'name'")
    g(c, 3)

    # Invalid UTF-8.
    c = case("utf8_invalid_in_strings")
    for i, bad_bytes in enumerate([b"\x80", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80",
                                   b"\xf4\x90\x80\x80", b"\xff", b"a\xe2\x82"]):
        c.bad(b'{"id":%d,"amount":1,"name":"%s","count":1}' % (i + 1, bad_bytes),
              "invalid UTF-8")
    g(c, 99)
    c = case("utf8_invalid_in_keys_and_ignored_values")
    c.bad(b'{"id":1,"amount":1,"name":"a","count":1,"\xff":1}', "invalid UTF-8")
    c.bad(b'{"id":2,"amount":1,"name":"a","count":1,"x":"\xfe"}', "invalid UTF-8")
    c.bad(b'{"id":3,"amount":1,"name":"a","count":1} \x80', "invalid UTF-8")
    g(c, 4)
    c = case("utf8_valid_text")
    for i, text in enumerate(["é", "€", "😀", "日本語", "\u200b", "\U0010ffff"]):
        r = row(i + 1, 1, text.encode("utf-8"), 1)
        c.good(json_line(r).replace(json.dumps(text).encode(), b'"' + text.encode() + b'"'), r)
    c = case("utf8_bom_at_start", prefix=b"\xef\xbb\xbf")
    g(c, 1)
    g(c, 2)
    c = case("utf8_bom_mid_file")
    g(c, 1)
    c.bad(b'\xef\xbb\xbf{"id":2,"amount":1,"name":"a","count":1}', "invalid JSON")

    # NUL bytes.
    c = case("nul_bytes")
    c.bad(b"\x00", "invalid JSON")
    c.bad(b'\x00{"id":2,"amount":1,"name":"a","count":1}', "invalid JSON")
    c.bad(b'{"id":3,\x00"amount":1,"name":"a","count":1}', "invalid JSON")
    g(c, 4)

    # Line endings.
    c = case("eol_crlf", eol=b"\r\n")
    g(c, 1)
    bad(c, '{"id":2}', "missing field 'amount'")
    g(c, 3)
    c = case("eol_crlf_no_final", eol=b"\r\n", final_eol=False)
    g(c, 1)
    g(c, 2)
    c = case("eol_lone_cr")
    # A lone CR is whitespace to JSON but does not end a line.
    c.bad(b'{"id":1,"amount":1,"name":"a","count":1}\r{"id":2}',
          "unexpected text after the JSON object")
    c.good(b'{"id":3,"amount":1.5,\r"name":"n","count":1}', row(3))
    c = case("eol_blank_lines", eol=b"\r\n")
    c.skip(b"")
    g(c, 2)
    c.skip(b"")
    g(c, 4)
    c = case("eol_no_final_newline", final_eol=False)
    g(c, 1)
    g(c, 2)
    c = case("eol_json_pretty_printed")
    # One object over several lines is several bad lines: JSON lines are one per line.
    c.bad(b"{", "invalid JSON")
    c.bad(b'  "id": 1,', "not a JSON object")
    c.bad(b"}", "invalid JSON")
    g(c, 4)

    # Long lines.
    c = case("long_string_value")
    g(c, 1, name=b"x" * 70000)
    g(c, 2)
    c = case("long_bad_line")
    bad(c, '{"id":1,"amount":1,"name":"' + "y" * 70000, "invalid JSON")
    bad(c, '{"id":2,"amount":1' + "0" * 70000 + ',"name":"a","count":1}',
        "field 'amount': number out of range")
    g(c, 3)
    c = case("long_ignored_array")
    g(c, 1, extra=',"big":[' + ",".join(str(i) for i in range(15000)) + "]")
    bad(c, '{"id":2,"amount":1,"name":"a","count":1,"big":[' +
        ",".join(str(i) for i in range(15000)) + ",01]}", "invalid JSON number '01'")
    c = case("many_short_records")
    for i in range(1, 3001):
        if i % 89 == 0:
            bad(c, '{"id":%d,"amount":"x","name":"a","count":1}' % i,
                "field 'amount': expected a number, found a string")
        else:
            g(c, i, amount=i / 8, name=b"n%d" % i, count=i % 256)

    # Truncated and empty files.
    c = case("truncated_mid_object", final_eol=False)
    g(c, 1)
    bad(c, '{"id":2,"amount":1,"na', "invalid JSON")
    c = case("truncated_mid_string", final_eol=False)
    g(c, 1)
    bad(c, '{"id":2,"amount":1,"name":"abc', "invalid JSON")
    c = case("truncated_mid_number", final_eol=False)
    g(c, 1)
    bad(c, '{"id":2,"amount":1', "invalid JSON")
    c = case("truncated_mid_utf8", final_eol=False)
    g(c, 1)
    c.bad(b'{"id":2,"amount":1,"name":"\xe6\x97', "invalid UTF-8")
    c = case("truncated_empty_file")
    c = case("truncated_only_newlines")
    c.skip(b"")
    c.skip(b"")
    return cases


# ---------------------------------------------------------------- checks and output


def python_csv_fields(raw):
    """The fields Python's csv module reads from one record, or None if it refuses."""
    try:
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline=""), strict=True))
    except (csv.Error, UnicodeDecodeError):
        return None
    return rows[0] if len(rows) == 1 else None


def check_csv(case):
    for raw, outcome in case.items:
        if outcome[0] != "good":
            continue
        id_, amount, name, count = outcome[1]
        fields = python_csv_fields(raw.replace(b"\r\n", b"\n"))
        if fields is None or b"\r" in raw or b"\x00" in raw:
            continue  # Python's csv cannot judge these; the hand expectation stands
        assert len(fields) == 4, (case.name, raw, fields)
        assert int(fields[0]) == id_ and fields[2].encode() == name, (case.name, raw)
        assert float(fields[1]) == amount and int(fields[3]) == count, (case.name, raw)


def strict_json(raw):
    def refuse(constant):
        raise ValueError("not JSON: " + constant)

    return json.loads(raw.decode("utf-8"), parse_constant=refuse)


def check_json(case):
    for raw, outcome in case.items:
        if outcome[0] == "skip":
            continue
        try:
            value = strict_json(raw)
            # A lone surrogate (\ud800) parses in Python but has no UTF-8 form.
            json.dumps(value, ensure_ascii=False).encode("utf-8")
            valid = isinstance(value, dict)
        except (ValueError, UnicodeError, RecursionError):
            valid, value = False, None
        if outcome[0] == "good":
            assert valid, (case.name, raw)
            r = outcome[1]
            assert (value["id"], value["name"].encode("utf-8"), value["count"]) == (
                r[0], r[2], r[3]), (case.name, raw)
            assert float(value["amount"]) == r[1], (case.name, raw)
        elif any(word in outcome[1] for word in ("invalid JSON", "unexpected text",
                                                 "not a JSON object", "not closed",
                                                 "invalid UTF-8", "nested deeper")):
            # Python nests deeper than sluice's 256 levels; sluice refuses those.
            assert not valid or "nested deeper" in outcome[1], (case.name, raw)


def write_case(directory, case, extension):
    content, good, dead = case.build()
    base = os.path.join(directory, case.name)
    with open(base + extension, "wb") as out:
        out.write(content)
    with open(base + ".good", "w") as out:
        for id_, amount, name, count in good:
            out.write("%d\t%s\t%d\t%s\n" % (id_, repr(amount), count, name.hex()))
    with open(base + ".dead", "w") as out:
        for line, raw, reason in dead:
            assert "\t" not in reason and "\n" not in reason
            out.write("%d\t%s\t%s\n" % (line, raw.hex(), reason))


def main():
    total = 0
    for kind, cases, extension, check in (("csv", csv_cases(), ".csv", check_csv),
                                          ("json", json_cases(), ".jsonl", check_json)):
        directory = os.path.join(HERE, kind)
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        names = set()
        for case in cases:
            assert case.name not in names, case.name
            names.add(case.name)
            check(case)
            write_case(directory, case, extension)
        total += len(cases)
        print("%s: %d files" % (kind, len(cases)))
    print("corpus: %d input files" % total)


if __name__ == "__main__":
    sys.exit(main())
