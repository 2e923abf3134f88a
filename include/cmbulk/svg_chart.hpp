// Bar charts as inline SVG for the HTML report, pure: bars of one or more series (stacked or
// side by side), labelled axes with round ticks (1-2-5 steps), and a legend; every bar carries
// its series and count as data-* attributes so tests (and readers' tools) can add them up.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cmbulk {

/// One series of a chart: `key` in data-series, `css` the rect's class, `colour` its fill (and
/// the legend's swatch), `label` the legend's text.
struct chart_series {
    std::string key, css, colour, label;
};

/// What render_bar_chart draws.
struct bar_chart {
    std::string id;     ///< the <svg>'s id
    std::string title;  ///< aria-label
    std::string x_label, y_label;
    std::vector<chart_series> series;
    std::vector<std::vector<std::uint64_t>> values;  ///< [bar][series]
    /// Per-bar x labels (a histogram's buckets); empty: a numeric x axis where bar i spans
    /// [i * x_step, (i + 1) * x_step) in `x_unit`.
    std::vector<std::string> bar_labels;
    double x_step = 1;
    std::string x_unit = "s";
    std::vector<std::string> tips;  ///< per bar: the start of its tooltip (may be empty)
    bool stacked = true;            ///< false: the series side by side
    bool value_labels = false;      ///< the count above each non-empty bar
};

/// Tick values from 0 up to the first tick at or above `max`, about `target` of them, spaced
/// by 1, 2 or 5 times a power of ten: round_ticks(37) is 0, 10, 20, 30, 40. At least {0, 1}.
std::vector<double> round_ticks(double max, int target = 5);

/// The <svg> and, after it, a <p class="legend"> naming each series in its colour. Each bar is
/// `<rect class="CSS" data-series="KEY" data-count="N" ...><title>...</title></rect>`; in a
/// stacked chart the first series' bar is always drawn (height 0 when its count is 0), every
/// other bar only when its count is not 0.
std::string render_bar_chart(const bar_chart& c);

}  // namespace cmbulk
