// Unit tests for the csv module: records (RFC 4180 quoting, CRLF / LF / lone CR, quoted line
// breaks and their line numbers), every problem with its cell, the same records whatever the
// chunking, the limits, delimiter detection, record storage that stays bounded, and the writer's
// quoting with split_record reading back what join_record wrote.
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "cmbulk/csv.hpp"

using namespace cmbulk;

namespace {

struct read_result {
    std::vector<csv::record> records;
    std::optional<csv::problem> fatal;
};

/// Reads all of `text`, handing it over `chunk` bytes at a time (0: in one piece).
read_result read_all(const std::string& text, std::size_t chunk = 0, char delimiter = ',',
                     csv::limits l = {}) {
    std::size_t pos = 0;
    csv::reader in(
        [&]() -> std::string_view {
            std::size_t left = text.size() - pos, n = chunk == 0 ? left : std::min(chunk, left);
            std::string_view v(text.data() + pos, n);
            pos += n;
            return v;
        },
        l);
    in.set_delimiter(delimiter);
    read_result out;
    csv::record r;
    while (in.next(r)) {
        out.records.push_back(r);
        BOOST_REQUIRE(out.records.size() < 100000);
    }
    out.fatal = in.fatal();
    return out;
}

std::vector<std::string> cells(std::initializer_list<const char*> l) {
    return std::vector<std::string>(l.begin(), l.end());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(csv_reader_suite)

BOOST_AUTO_TEST_CASE(records_quotes_and_line_numbers) {
    std::string text =
        "a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\r\n\n\"multi\r\nline\nand\rmore\",2,3\rlast,,\"\"";
    auto r = read_all(text);
    BOOST_TEST(!r.fatal.has_value());
    BOOST_REQUIRE(r.records.size() == 4u);
    BOOST_TEST(r.records[0].cells == cells({"a", "b", "c"}), boost::test_tools::per_element());
    BOOST_TEST(r.records[0].line == 1u);
    BOOST_TEST(r.records[1].cells == cells({"x,1", "say \"hi\"", ""}),
               boost::test_tools::per_element());
    BOOST_TEST(r.records[1].line == 2u);
    // Line 3 is empty (skipped); the quoted cell spans lines 4 to 7 (CRLF, LF, lone CR).
    BOOST_TEST(r.records[2].cells == cells({"multi\r\nline\nand\rmore", "2", "3"}),
               boost::test_tools::per_element());
    BOOST_TEST(r.records[2].line == 4u);
    BOOST_TEST(r.records[3].line == 8u);  // a lone CR ended the record of line 7
    BOOST_TEST(r.records[3].cells == cells({"last", "", ""}), boost::test_tools::per_element());
    for (auto& rec : r.records) BOOST_TEST(rec.problems.empty());
}

BOOST_AUTO_TEST_CASE(every_chunking_gives_the_same_records) {
    std::string text = "id,v\n1,\"a,\"\"b\"\"\r\nc\"\r\n2,plain-text-" + std::string(300, 'x') +
                       "\n\"3\",\xC3\xA9t\xC3\xA9\r\n4,\"x\"y\n";
    auto whole = read_all(text);
    BOOST_REQUIRE(whole.records.size() == 5u);
    for (std::size_t chunk : {1u, 2u, 3u, 7u, 64u}) {
        BOOST_TEST_CONTEXT("chunk " << chunk) {
            auto r = read_all(text, chunk);
            BOOST_REQUIRE(r.records.size() == whole.records.size());
            for (std::size_t i = 0; i < r.records.size(); ++i) {
                BOOST_TEST(r.records[i].cells == whole.records[i].cells,
                           boost::test_tools::per_element());
                BOOST_TEST(r.records[i].line == whole.records[i].line);
                BOOST_TEST(r.records[i].problems.size() == whole.records[i].problems.size());
            }
        }
    }
    BOOST_TEST(whole.records[4].problems.size() == 1u);  // 4,"x"y: text after a closing quote
}

BOOST_AUTO_TEST_CASE(problems_name_their_cell_and_reading_goes_on) {
    std::string nul("a\0b", 3);
    struct tcase {
        std::string text;
        csv::errc code;
        std::size_t cell;
        std::string kept;  ///< what the cell holds after the problem
    };
    std::vector<tcase> cases{
        {"x,te\"am\n", csv::errc::stray_quote, 1, "te\"am"},
        {"x,\"team\"y\n", csv::errc::text_after_quote, 1, "teamy"},
        {"x,y," + nul + "\n", csv::errc::nul_byte, 2, "ab"},
        {"x,te\xC3(am\n", csv::errc::invalid_utf8, 1, "te\xC3(am"},
        {"\xC0\xAF,y\n", csv::errc::invalid_utf8, 0, "\xC0\xAF"},
        {"x,\xEF\xBB\xBFy\n", csv::errc::bom_inside, 1, "\xEF\xBB\xBFy"},
    };
    for (auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.text) {
            auto r = read_all(tc.text + "next,row\n");
            BOOST_REQUIRE(r.records.size() == 2u);
            BOOST_REQUIRE(r.records[0].problems.size() == 1u);
            auto& p = r.records[0].problems[0];
            BOOST_TEST((p.code == tc.code));
            BOOST_TEST(p.cell == tc.cell);
            BOOST_TEST(p.line == 1u);
            BOOST_TEST(r.records[0].cells[tc.cell] == tc.kept);
            BOOST_TEST(r.records[1].problems.empty());
            BOOST_TEST(!csv::message(p.code).empty());
        }
    }
    // An unterminated quote stops reading, at the line where it opens.
    auto r = read_all("a,b\nc,\"d\n\ne\n");
    BOOST_TEST(r.records.size() == 1u);
    BOOST_REQUIRE(r.fatal.has_value());
    BOOST_TEST((r.fatal->code == csv::errc::unterminated_quote));
    BOOST_TEST(r.fatal->line == 2u);
    BOOST_TEST(r.fatal->cell == 1u);
    BOOST_TEST(csv::message(r.fatal->code) ==
               "unterminated quoted field (it opens on this line and the file ends inside it)");
}

BOOST_AUTO_TEST_CASE(limits_bound_cells_records_and_widths) {
    csv::limits l{8, 20, 3};
    auto r = read_all("123456789,x\na,b,c,d,e\n1234567,1234567,1234567\nok\n", 0, ',', l);
    BOOST_REQUIRE(r.records.size() == 4u);
    // A cell over 8 bytes is kept empty, with the problem at its cell.
    BOOST_TEST(r.records[0].cells == cells({"", "x"}), boost::test_tools::per_element());
    BOOST_REQUIRE(r.records[0].problems.size() == 1u);
    BOOST_TEST((r.records[0].problems[0].code == csv::errc::cell_too_long));
    BOOST_TEST(r.records[0].problems[0].cell == 0u);
    // Five cells: three kept, all five counted.
    BOOST_TEST(r.records[1].cells.size() == 3u);
    BOOST_TEST(r.records[1].count == 5u);
    BOOST_TEST(r.records[1].too_many_cells());
    BOOST_REQUIRE(r.records[1].problems.size() == 1u);
    BOOST_TEST((r.records[1].problems[0].code == csv::errc::too_many_cells));
    BOOST_TEST(r.records[1].problems[0].cell == csv::whole_record);
    // 21 bytes of cells: over the record limit.
    BOOST_REQUIRE(!r.records[2].problems.empty());
    BOOST_TEST((r.records[2].problems[0].code == csv::errc::record_too_long));
    BOOST_TEST(r.records[3].cells == cells({"ok"}), boost::test_tools::per_element());
    BOOST_TEST(csv::message(csv::errc::cell_too_long) == "cell longer than 1 MiB");
    BOOST_TEST(csv::message(csv::errc::record_too_long) == "row longer than 4 MiB");
    BOOST_TEST(csv::message(csv::errc::too_many_cells) == "row has more than 10000 cells");
}

BOOST_AUTO_TEST_CASE(record_storage_is_reused_but_stays_small) {
    std::string text = "a," + std::string(100000, 'b') + "\n";
    std::string wide;
    for (int i = 0; i < 2000; ++i) wide += "x,";
    text += wide + "x\nc,d\n";
    auto in = csv::reader::from_text(text);
    csv::record r;
    BOOST_REQUIRE(in.next(r));
    BOOST_TEST(r.cells[1].size() == 100000u);
    BOOST_REQUIRE(in.next(r));
    BOOST_TEST(r.cells.size() == 2001u);
    BOOST_REQUIRE(in.next(r));
    BOOST_TEST(r.cells == cells({"c", "d"}), boost::test_tools::per_element());
    // The wide record gave its cells back; no cell keeps a big buffer.
    BOOST_TEST(r.cells.capacity() < 2001u);
    for (auto& c : r.cells) BOOST_TEST(c.capacity() <= 4096u);
    BOOST_TEST(!in.next(r));
}

BOOST_AUTO_TEST_CASE(delimiter_detection_and_other_delimiters) {
    struct tcase {
        std::string text;
        char expected;
    };
    std::vector<tcase> cases{
        {"projectId,type,apiToken\n1;2,3\n", ','},
        {"projectId;type;apiToken\n1,2;3\n", ';'},
        {"projectId\ttype\tapiToken\n", '\t'},
        {"\"a;b;c\",d\n", ','},      // inside quotes a ';' is text
        {"a,b;c\n", ','},            // a tie: ','
        {"projectId\n", ','},        // none at all
        {"", ','},                   // empty input
        {"a;b\r\nc,d,e,f,g\n", ';'}  // only the first line counts
    };
    for (auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.text) {
            auto in = csv::reader::from_text(tc.text);
            BOOST_TEST(in.detect_delimiter() == tc.expected);
        }
    }
    auto r = read_all("a;\"b;c\";\"d\"\"\"\nteam, ops;x;y\n", 0, ';');
    BOOST_REQUIRE(r.records.size() == 2u);
    BOOST_TEST(r.records[0].cells == cells({"a", "b;c", "d\""}), boost::test_tools::per_element());
    BOOST_TEST(r.records[1].cells == cells({"team, ops", "x", "y"}),
               boost::test_tools::per_element());
    // With a BOM, detection looks past it.
    auto in = csv::reader::from_text("\xEF\xBB\xBFprojectId;type\n");
    in.skip_bom();
    BOOST_TEST(in.detect_delimiter() == ';');
}

BOOST_AUTO_TEST_CASE(utf8_evidence) {
    auto in = csv::reader::from_text("a,b\nZ\xC3\xBCrich,x\n");
    csv::record r;
    BOOST_REQUIRE(in.next(r));
    BOOST_TEST(!in.saw_utf8_text());
    BOOST_REQUIRE(in.next(r));
    BOOST_TEST(in.saw_utf8_text());
    auto bad = csv::reader::from_text("M\xFCller\n");
    BOOST_REQUIRE(bad.next(r));
    BOOST_TEST(!bad.saw_utf8_text());
    BOOST_TEST(r.problems.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(csv_writer_suite)

BOOST_AUTO_TEST_CASE(quoting_only_where_needed) {
    BOOST_TEST(csv::quote_cell("plain") == "plain");
    BOOST_TEST(csv::quote_cell("") == "");
    BOOST_TEST(csv::quote_cell("a,b") == "\"a,b\"");
    BOOST_TEST(csv::quote_cell("say \"hi\"") == "\"say \"\"hi\"\"\"");
    BOOST_TEST(csv::quote_cell("two\nlines") == "\"two\nlines\"");
    BOOST_TEST(csv::quote_cell("cr\r") == "\"cr\r\"");
    BOOST_TEST(csv::quote_cell("a;b") == "a;b");
    BOOST_TEST(csv::quote_cell("a;b", ';') == "\"a;b\"");
    std::string out = "x,";
    csv::append_cell(out, "y,z");
    BOOST_TEST(out == "x,\"y,z\"");
    std::vector<std::string> row{"id", "a,b", "", "q\"", "l\r\nm"};
    BOOST_TEST(csv::join_record(row) == "id,\"a,b\",,\"q\"\"\",\"l\r\nm\"");
}

BOOST_AUTO_TEST_CASE(split_record_reads_back_what_join_record_wrote) {
    std::vector<std::vector<std::string>> rows{
        {"id", "a,b", "", "q\"", "l\r\nm"}, {"one"}, {"", ""}, {"\xC3\xA9", "\"\"", ","}};
    for (char d : {',', ';', '\t'}) {
        for (auto& row : rows) {
            BOOST_TEST_CONTEXT("delimiter " << int(d) << " row " << csv::join_record(row, d)) {
                auto back = csv::split_record(csv::join_record(row, d) + "\r\n", d);
                BOOST_REQUIRE(back.has_value());
                BOOST_TEST(*back == row, boost::test_tools::per_element());
            }
        }
    }
    BOOST_TEST(csv::split_record("").value().empty());
    struct bad {
        std::string text;
        csv::errc code;
    };
    for (auto& b : std::vector<bad>{{"a,\"b", csv::errc::unterminated_quote},
                                    {"a,b\"c", csv::errc::stray_quote},
                                    {"\"a\"b", csv::errc::text_after_quote},
                                    {"a\nb", csv::errc::several_records},
                                    {"M\xFCller", csv::errc::invalid_utf8}}) {
        BOOST_TEST_CONTEXT(b.text) {
            auto r = csv::split_record(b.text);
            BOOST_REQUIRE(!r.has_value());
            BOOST_TEST(r.error() == csv::make_error_code(b.code));
            BOOST_TEST(r.error().category().name() == std::string("cmbulk.csv"));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
