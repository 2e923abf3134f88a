// Inline SVG bar charts with round axes; see svg_chart.hpp.
#include "cmbulk/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace cmbulk {

std::vector<double> round_ticks(double max, int target) {
    if (!(max > 0)) max = 1;
    target = std::max(target, 1);
    double raw = max / target;
    double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag * 10;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * mag >= raw * (1 - 1e-9)) {
            step = m * mag;
            break;
        }
    // Counts are whole numbers: never a step below 1.
    step = std::max(step, 1.0);
    std::vector<double> ticks{0};
    while (ticks.back() < max * (1 - 1e-9)) ticks.push_back(ticks.back() + step);
    return ticks;
}

namespace {

std::string num(double v, int decimals = 1) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string tick_text(double v) {
    if (v >= 1e6 && std::fmod(v, 1e6) == 0) return num(v / 1e6, 0) + "M";
    if (v >= 1e4 && std::fmod(v, 1e3) == 0) return num(v / 1e3, 0) + "k";
    return num(v, std::fmod(v, 1) == 0 ? 0 : 1);
}

struct frame {
    double w = 900, h = 240, left = 64, right = 12, top = 12, bottom = 52;
    double plot_w() const { return w - left - right; }
    double plot_h() const { return h - top - bottom; }
};

void y_axis(std::ostringstream& o, const frame& f, const std::vector<double>& ticks,
            const std::string& label) {
    double y_max = ticks.back();
    for (double t : ticks) {
        double y = f.top + f.plot_h() - f.plot_h() * t / y_max;
        o << "<line x1=\"" << f.left << "\" x2=\"" << f.w - f.right << "\" y1=\"" << num(y)
          << "\" y2=\"" << num(y) << "\" stroke=\"#e4e4e4\"/><text class=\"tick\" x=\""
          << f.left - 6 << "\" y=\"" << num(y + 4) << "\" text-anchor=\"end\">" << tick_text(t)
          << "</text>\n";
    }
    double mid = f.top + f.plot_h() / 2;
    o << "<text class=\"axis\" x=\"14\" y=\"" << num(mid) << "\" text-anchor=\"middle\" "
      << "transform=\"rotate(-90 14 " << num(mid) << ")\">" << label << "</text>\n";
}

void x_axis(std::ostringstream& o, const frame& f, const bar_chart& c, double bw) {
    double base = f.top + f.plot_h();
    o << "<line x1=\"" << f.left << "\" x2=\"" << f.w - f.right << "\" y1=\"" << num(base)
      << "\" y2=\"" << num(base) << "\" stroke=\"#888\"/>\n";
    if (!c.bar_labels.empty()) {
        for (std::size_t i = 0; i < c.bar_labels.size(); ++i)
            o << "<text class=\"tick\" x=\"" << num(f.left + bw * (static_cast<double>(i) + 0.5))
              << "\" y=\"" << num(base + 16) << "\" text-anchor=\"middle\">" << c.bar_labels[i]
              << "</text>";
    } else {
        double span = static_cast<double>(c.values.size()) * c.x_step;
        for (double t : round_ticks(span, 8)) {
            if (t > span * (1 + 1e-9)) break;
            double x = f.left + (span > 0 ? f.plot_w() * t / span : 0);
            o << "<line x1=\"" << num(x) << "\" x2=\"" << num(x) << "\" y1=\"" << num(base)
              << "\" y2=\"" << num(base + 4) << "\" stroke=\"#888\"/><text class=\"tick\" x=\""
              << num(x) << "\" y=\"" << num(base + 16) << "\" text-anchor=\"middle\">"
              << tick_text(t) << " " << c.x_unit << "</text>";
        }
    }
    o << "\n<text class=\"axis\" x=\"" << num(f.left + f.plot_w() / 2) << "\" y=\"" << f.h - 8
      << "\" text-anchor=\"middle\">" << c.x_label << "</text>\n";
}

/// One bar: its rect with the data the tests read, and a tooltip.
void bar(std::ostringstream& o, const chart_series& s, std::uint64_t n, double x, double y,
         double w, double h, const std::string& tip) {
    o << "<rect class=\"" << s.css << "\" data-series=\"" << s.key << "\" data-count=\"" << n
      << "\" fill=\"" << s.colour << "\" x=\"" << num(x) << "\" y=\"" << num(y) << "\" width=\""
      << num(std::max(w, 0.5)) << "\" height=\"" << num(h) << "\"><title>" << tip
      << (tip.empty() ? "" : ": ") << n << " " << s.label << "</title></rect>";
}

}  // namespace

std::string render_bar_chart(const bar_chart& c) {
    frame f;
    std::uint64_t peak = 0;
    for (auto& b : c.values) {
        std::uint64_t sum = 0;
        for (auto n : b) sum = c.stacked ? sum + n : std::max(sum, n);
        peak = std::max(peak, sum);
    }
    auto ticks = round_ticks(static_cast<double>(peak));
    double y_max = ticks.back();
    std::size_t nbars = std::max<std::size_t>(c.values.size(), 1);
    double bw = f.plot_w() / static_cast<double>(nbars);
    double gap = bw > 4 ? 1 : 0;
    std::ostringstream o;
    o << "<svg id=\"" << c.id << "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << f.w
      << "\" height=\"" << f.h << "\" viewBox=\"0 0 " << f.w << " " << f.h
      << "\" role=\"img\" aria-label=\"" << c.title << "\">\n";
    y_axis(o, f, ticks, c.y_label);
    double base = f.top + f.plot_h();
    auto scale = [&](std::uint64_t n) { return f.plot_h() * static_cast<double>(n) / y_max; };
    for (std::size_t i = 0; i < c.values.size(); ++i) {
        const auto& b = c.values[i];
        const std::string tip = i < c.tips.size() ? c.tips[i] : std::string();
        double x = f.left + bw * static_cast<double>(i);
        double y = base;
        std::uint64_t total = 0;
        double sw = c.stacked ? bw - gap : (bw - gap) / static_cast<double>(c.series.size());
        for (std::size_t k = 0; k < c.series.size() && k < b.size(); ++k) {
            total += b[k];
            if (b[k] == 0 && (k > 0 || !c.stacked)) continue;
            double h = scale(b[k]);
            if (c.stacked) {
                y -= h;
                bar(o, c.series[k], b[k], x, y, sw, h, tip);
            } else {
                bar(o, c.series[k], b[k], x + sw * static_cast<double>(k), base - h, sw, h, tip);
            }
        }
        if (c.value_labels && total > 0)
            o << "<text class=\"value\" x=\"" << num(x + bw / 2) << "\" y=\""
              << num(base - scale(total) - 3) << "\" text-anchor=\"middle\">" << total << "</text>";
        o << "\n";
    }
    x_axis(o, f, c, bw);
    o << "</svg>\n<p class=\"legend\">";
    for (auto& s : c.series)
        o << "<span><i class=\"sw\" style=\"background:" << s.colour << "\"></i>" << s.label
          << "</span>";
    o << "</p>\n";
    return o.str();
}

}  // namespace cmbulk
