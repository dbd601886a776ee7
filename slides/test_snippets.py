#!/usr/bin/env python3
"""test_snippets.py - how snippets.py cuts an excerpt of C with lines=:
never in the middle of an expression.  Run by tests/test_slides.c."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import snippets  # noqa: E402

SOURCE = """\
int listen_on(int port)
{
\tint fd = socket(AF_INET, SOCK_STREAM, 0);
\tif (fd < 0) {
\t\twarn("socket (yes, a paren in a string");
\t\treturn -1;
\t}
\tif (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
\t    bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
\t    /* The workshop used a backlog of 5; a room of learners
\t     * connecting at the same moment needs more. */
\t    listen(fd, SOMAXCONN) < 0 ||
\t    getsockname(fd, (struct sockaddr *)&addr, &len) < 0) {
\t\twarn("port %d", port);
\t\tclose(fd);
\t\treturn -1;
\t}
\tif (fd >= 0)
\t\tsay_so(fd,
\t\t       port);
\treturn fd;
}""".split("\n")


def cut(spec):
    return snippets.code_text_of_lines(SOURCE, spec)


class WholeExpressions(unittest.TestCase):
    def test_a_complete_range_is_left_as_it_is(self):
        self.assertEqual(cut("/int fd = socket/,/^\\t}/"), SOURCE[2:7])

    def test_an_end_after_an_operator_goes_on_to_the_end_of_the_if(self):
        got = cut("/int fd = socket/,/listen\\(fd, SOMAXCONN\\)/")
        self.assertEqual(got, SOURCE[2:17])
        self.assertEqual(got[-1], "\t}")

    def test_an_end_inside_a_comment_goes_on_past_it(self):
        self.assertEqual(cut("/bind\\(fd/,/The workshop used/")[-1], "\t}")

    def test_a_start_inside_an_expression_goes_back_to_its_beginning(self):
        got = cut("/bind\\(fd/,/^\\t}/")
        self.assertEqual(got[0], SOURCE[7])
        got = cut("/getsockname/,/^\\t}/")
        self.assertEqual(got[0], SOURCE[7])

    def test_an_end_at_a_condition_takes_its_statement(self):
        self.assertEqual(cut("/return -1;/,/if \\(fd >= 0\\)/")[-1],
                         "\t\t       port);")

    def test_a_start_after_a_comment_stays(self):
        lines = ["\t/* getaddrinfo() turns a name (\"localhost\") into",
                 "\t * addresses: a name may have several. */",
                 "\tint rc = getaddrinfo(host, port, &hints, &addresses);",
                 "\treturn rc;"]
        self.assertEqual(snippets.code_text_of_lines(lines,
                                                     "/int rc/,/return rc/"),
                         lines[2:])

    def test_brackets_in_strings_and_comments_do_not_count(self):
        # The "(" in the string would keep it open to the end.
        self.assertEqual(cut("/if \\(fd < 0\\)/,/warn\\(\"socket/"),
                         SOURCE[3:5])


if __name__ == "__main__":
    unittest.main(verbosity=1)
