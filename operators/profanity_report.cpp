#include "operators/profanity_report.h"

#include <algorithm>
#include <cstdio>

#include "runtime/markup.h"

namespace rankflow {

std::string ProfanityRate(int64_t profane, int64_t tweets) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6f", tweets > 0 ? static_cast<double>(profane) / tweets : 0.0);
  return buf;
}

namespace {

// The line plot: the rate of each target over the buckets, a y axis in percent, first and last
// bucket labels, a legend.
std::string RateChart(const std::vector<ProfanityRow>& rows,
                      const std::vector<std::string>& targets) {
  static const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  std::vector<std::string> buckets;
  for (const ProfanityRow& r : rows) {
    if (buckets.empty() || buckets.back() != r.bucket) buckets.push_back(r.bucket);
  }
  double max_rate = 0;
  for (const ProfanityRow& r : rows) {
    if (r.tweets > 0) max_rate = std::max(max_rate, static_cast<double>(r.profane) / r.tweets);
  }
  if (max_rate <= 0) max_rate = 1;
  const double w = 900, h = 360, left = 60, right = 180, top = 20, bottom = 50;
  const double pw = w - left - right, ph = h - top - bottom;
  auto x_of = [&](size_t i) {
    return left +
           (buckets.size() > 1 ? pw * static_cast<double>(i) / (buckets.size() - 1) : pw / 2);
  };
  auto y_of = [&](double rate) { return top + ph * (1 - rate / max_rate); };
  char buf[128];
  std::string svg =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"360\" "
      "viewBox=\"0 0 900 360\" font-family=\"sans-serif\" font-size=\"11\">\n";
  std::snprintf(buf, sizeof(buf),
                "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" "
                "stroke=\"#999\"/>\n",
                left, top, pw, ph);
  svg += buf;
  for (int i = 0; i <= 4; ++i) {
    const double rate = max_rate * i / 4;
    std::snprintf(buf, sizeof(buf),
                  "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.1f%%</text>\n", left - 6,
                  y_of(rate) + 4, rate * 100);
    svg += buf;
  }
  if (!buckets.empty()) {
    svg += "<text x=\"" + std::to_string(static_cast<int>(left)) + "\" y=\"" +
           std::to_string(static_cast<int>(h - bottom + 18)) + "\">" +
           EscapeMarkup(buckets.front()) + "</text>\n";
    svg += "<text x=\"" + std::to_string(static_cast<int>(left + pw)) + "\" y=\"" +
           std::to_string(static_cast<int>(h - bottom + 18)) + "\" text-anchor=\"end\">" +
           EscapeMarkup(buckets.back()) + "</text>\n";
  }
  svg += "<text x=\"" + std::to_string(static_cast<int>(left + pw / 2)) + "\" y=\"" +
         std::to_string(static_cast<int>(h - 8)) +
         "\" text-anchor=\"middle\">time bucket (UTC)</text>\n";
  for (size_t t = 0; t < targets.size(); ++t) {
    const char* color = kColors[t % 10];
    std::string points;
    for (const ProfanityRow& r : rows) {
      if (r.target != targets[t] || r.tweets == 0) continue;
      const size_t i = static_cast<size_t>(
          std::lower_bound(buckets.begin(), buckets.end(), r.bucket) - buckets.begin());
      std::snprintf(buf, sizeof(buf), "%.1f,%.1f ", x_of(i),
                    y_of(static_cast<double>(r.profane) / r.tweets));
      points += buf;
    }
    if (!points.empty()) {
      svg += "<polyline fill=\"none\" stroke=\"" + std::string(color) +
             "\" stroke-width=\"2\" points=\"" + points + "\"/>\n";
    }
    std::snprintf(buf, sizeof(buf),
                  "<rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
                  w - right + 15, top + 18.0 * t, color);
    svg += buf;
    std::snprintf(buf, sizeof(buf), "<text x=\"%.0f\" y=\"%.0f\">", w - right + 32,
                  top + 18.0 * t + 10);
    svg += buf + EscapeMarkup(targets[t]) + "</text>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace

std::string RenderProfanityReport(const std::vector<ProfanityRow>& rows,
                                  const std::vector<std::string>& targets,
                                  const std::string& title) {
  std::string page = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" +
                     EscapeMarkup(title) +
                     "</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-"
                     "collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:"
                     "right}</style></head><body>\n<h1>" +
                     EscapeMarkup(title) +
                     "</h1>\n<p>Share of tweets mentioning each target that "
                     "contain profanity (LDNOOBW en list), per time bucket.</p>\n" +
                     RateChart(rows, targets) +
                     "<table><tr><th>bucket</th><th>target</th><th>tweets</th><th>profane</th>"
                     "<th>rate</th></tr>\n";
  for (const ProfanityRow& r : rows) {
    page += "<tr><td>" + EscapeMarkup(r.bucket) + "</td><td>" + EscapeMarkup(r.target) +
            "</td><td>" + std::to_string(r.tweets) + "</td><td>" + std::to_string(r.profane) +
            "</td><td>" + ProfanityRate(r.profane, r.tweets) + "</td></tr>\n";
  }
  page += "</table>\n</body></html>\n";
  return page;
}

}  // namespace rankflow
