#include "operators/ml/report.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace rankflow::ml {
namespace {

void PutU32(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>(v >> 24));
  out->push_back(static_cast<char>(v >> 16));
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

void PutChunk(std::string* out, const char* type, const std::string& data) {
  PutU32(out, static_cast<uint32_t>(data.size()));
  std::string body = std::string(type, 4) + data;
  out->append(body);
  PutU32(out,
         static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size())));
}

std::string Fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

}  // namespace

std::string EncodePng(int width, int height, const std::vector<uint8_t>& rgb) {
  std::string raw;
  raw.reserve(static_cast<size_t>(height) * (1 + 3 * width));
  for (int r = 0; r < height; ++r) {
    raw.push_back(0);  // filter: none
    raw.append(reinterpret_cast<const char*>(rgb.data()) + static_cast<size_t>(r) * 3 * width,
               3 * width);
  }
  uLongf bound = compressBound(raw.size());
  std::string z(bound, '\0');
  compress2(reinterpret_cast<Bytef*>(z.data()), &bound, reinterpret_cast<const Bytef*>(raw.data()),
            raw.size(), 9);
  z.resize(bound);
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  PutU32(&ihdr, static_cast<uint32_t>(width));
  PutU32(&ihdr, static_cast<uint32_t>(height));
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit, RGB, deflate, filter 0, no interlace
  PutChunk(&png, "IHDR", ihdr);
  PutChunk(&png, "IDAT", z);
  PutChunk(&png, "IEND", "");
  return png;
}

std::string Base64(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) |
                       (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string FromBase64(const std::string& text) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else
      continue;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

std::vector<uint8_t> SurfaceRgb(int rows, int cols, const std::vector<int64_t>& labels,
                                const std::vector<float>& confidence) {
  static const uint8_t kPalette[][3] = {{200, 200, 200}, {31, 119, 180}, {255, 127, 14},
                                        {44, 160, 44},   {214, 39, 40},  {148, 103, 189}};
  std::vector<uint8_t> rgb(static_cast<size_t>(rows) * cols * 3);
  for (int i = 0; i < rows * cols; ++i) {
    const uint8_t* c = kPalette[labels[i] % 6];
    // Mix towards white as confidence falls: full colour at 1, half-way at chance.
    const float t = std::clamp((confidence[i] - 0.33f) / 0.67f, 0.f, 1.f);
    for (int ch = 0; ch < 3; ++ch) {
      rgb[3 * i + ch] = static_cast<uint8_t>(255.f - (255.f - c[ch]) * (0.35f + 0.65f * t));
    }
  }
  return rgb;
}

std::string SvgLinePlot(const std::string& title, const std::vector<std::string>& x_labels,
                        const std::string& x_title, const std::string& y_title,
                        const std::vector<PlotSeries>& series, double y_min, double y_max,
                        int highlight) {
  const double w = 640, h = 360, left = 60, right = 130, top = 30, bottom = 50;
  const double pw = w - left - right, ph = h - top - bottom;
  const size_t n = x_labels.size();
  auto px = [&](size_t i) { return left + (n <= 1 ? pw / 2 : pw * i / (n - 1)); };
  auto py = [&](double v) { return top + ph * (1 - (v - y_min) / (y_max - y_min)); };
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Fmt("%.0f", w) +
                  "\" height=\"" + Fmt("%.0f", h) +
                  "\" font-family=\"sans-serif\" font-size=\"11\">";
  s += "<text x=\"" + Fmt("%.0f", w / 2) + "\" y=\"18\" text-anchor=\"middle\" font-size=\"13\">" +
       EscapeMarkup(title) + "</text>";
  s += "<rect x=\"" + Fmt("%.1f", left) + "\" y=\"" + Fmt("%.1f", top) + "\" width=\"" +
       Fmt("%.1f", pw) + "\" height=\"" + Fmt("%.1f", ph) + "\" fill=\"none\" stroke=\"#888\"/>";
  for (int t = 0; t <= 5; ++t) {
    const double v = y_min + (y_max - y_min) * t / 5;
    s += "<line x1=\"" + Fmt("%.1f", left) + "\" x2=\"" + Fmt("%.1f", left + pw) + "\" y1=\"" +
         Fmt("%.1f", py(v)) + "\" y2=\"" + Fmt("%.1f", py(v)) + "\" stroke=\"#eee\"/>";
    s += "<text x=\"" + Fmt("%.1f", left - 4) + "\" y=\"" + Fmt("%.1f", py(v) + 4) +
         "\" text-anchor=\"end\">" + Fmt("%.3f", v) + "</text>";
  }
  for (size_t i = 0; i < n; ++i) {
    s += "<text x=\"" + Fmt("%.1f", px(i)) + "\" y=\"" + Fmt("%.1f", top + ph + 15) +
         "\" text-anchor=\"middle\">" + EscapeMarkup(x_labels[i]) + "</text>";
  }
  if (highlight >= 0 && static_cast<size_t>(highlight) < n) {
    s += "<line x1=\"" + Fmt("%.1f", px(highlight)) + "\" x2=\"" + Fmt("%.1f", px(highlight)) +
         "\" y1=\"" + Fmt("%.1f", top) + "\" y2=\"" + Fmt("%.1f", top + ph) +
         "\" stroke=\"#2ca02c\" stroke-dasharray=\"4 3\"/>";
  }
  s += "<text x=\"" + Fmt("%.1f", left + pw / 2) + "\" y=\"" + Fmt("%.1f", h - 12) +
       "\" text-anchor=\"middle\">" + EscapeMarkup(x_title) + "</text>";
  s += "<text transform=\"translate(14," + Fmt("%.1f", top + ph / 2) +
       ") rotate(-90)\" text-anchor=\"middle\">" + EscapeMarkup(y_title) + "</text>";
  for (size_t k = 0; k < series.size(); ++k) {
    const PlotSeries& ser = series[k];
    std::string pts;
    for (size_t i = 0; i < ser.y.size() && i < n; ++i) {
      if (std::isnan(ser.y[i])) continue;
      const double v = std::clamp(ser.y[i], y_min, y_max);
      pts += Fmt("%.1f", px(i)) + "," + Fmt("%.1f", py(v)) + " ";
      s += "<circle cx=\"" + Fmt("%.1f", px(i)) + "\" cy=\"" + Fmt("%.1f", py(v)) +
           "\" r=\"3\" fill=\"" + ser.color + "\"/>";
    }
    s += "<polyline fill=\"none\" stroke=\"" + ser.color + "\" stroke-width=\"2\" points=\"" + pts +
         "\"/>";
    const double ly = top + 10 + 16 * k;
    s += "<line x1=\"" + Fmt("%.1f", left + pw + 10) + "\" x2=\"" + Fmt("%.1f", left + pw + 30) +
         "\" y1=\"" + Fmt("%.1f", ly) + "\" y2=\"" + Fmt("%.1f", ly) + "\" stroke=\"" + ser.color +
         "\" stroke-width=\"2\"/><text x=\"" + Fmt("%.1f", left + pw + 34) + "\" y=\"" +
         Fmt("%.1f", ly + 4) + "\">" + EscapeMarkup(ser.name) + "</text>";
  }
  s += "</svg>";
  return s;
}

std::string RenderReportHtml(const ReportPage& page) {
  std::string h =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + EscapeMarkup(page.title) +
      "</title><style>body{font-family:sans-serif;margin:2em;color:#222}"
      "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
      "text-align:right}th{background:#f4f4f4}td.k{text-align:left}tr.chosen td{background:#e8f5e9}"
      ".surf{display:inline-block;margin:6px;text-align:center;font-size:12px}"
      ".surf img{width:200px;height:200px;image-rendering:pixelated;border:1px solid #aaa}"
      "</style></head><body>\n<h1>" +
      EscapeMarkup(page.title) + "</h1>\n<table>";
  for (const auto& [k, v] : page.setup) {
    h += "<tr><td class=\"k\">" + EscapeMarkup(k) + "</td><td class=\"k\">" + EscapeMarkup(v) +
         "</td></tr>";
  }
  h += "</table>\n";
  if (page.chosen >= 0) {
    const ReportModel& c = page.models[page.chosen];
    h += "<p><b>Chosen hidden size: " + EscapeMarkup(c.hidden) + "</b> (held-out accuracy " +
         Fmt("%.4f", c.test_accuracy) + "; " + EscapeMarkup(page.chosen_reason) + ")</p>\n";
  }
  std::vector<std::string> labels;
  PlotSeries train{"train", "#1f77b4", {}}, test{"held-out", "#d62728", {}};
  double lo = 1;
  for (const ReportModel& m : page.models) {
    labels.push_back(m.hidden);
    train.y.push_back(m.train_accuracy);
    test.y.push_back(m.test_accuracy);
    lo = std::min({lo, m.train_accuracy, m.test_accuracy});
  }
  const double y_min = std::max(0.0, std::floor(lo * 20 - 0.5) / 20);
  h += SvgLinePlot("accuracy vs hidden layer size", labels, "hidden layer size", "accuracy",
                   {train, test}, y_min, 1.0, page.chosen);
  h += "\n<table><tr><th>hidden</th><th>parameters</th><th>train acc</th><th>held-out acc</th>"
       "<th>train loss</th><th>held-out loss</th><th>epochs</th><th>seconds</th>"
       "<th>s/epoch</th></tr>\n";
  for (size_t i = 0; i < page.models.size(); ++i) {
    const ReportModel& m = page.models[i];
    h += std::string("<tr") + (static_cast<int>(i) == page.chosen ? " class=\"chosen\"" : "") +
         "><td>" + EscapeMarkup(m.hidden) + "</td><td>" + std::to_string(m.parameters) +
         "</td><td>" + Fmt("%.4f", m.train_accuracy) + "</td><td>" + Fmt("%.4f", m.test_accuracy) +
         "</td><td>" + Fmt("%.4f", m.train_loss) + "</td><td>" + Fmt("%.4f", m.test_loss) +
         "</td><td>" + std::to_string(m.epochs) + "</td><td>" + Fmt("%.2f", m.seconds) +
         "</td><td>" + Fmt("%.3f", m.seconds_per_epoch) + "</td></tr>\n";
  }
  h += "</table>\n";
  bool any_surface = false;
  for (const ReportModel& m : page.models) any_surface |= !m.surface_png.empty();
  if (any_surface) {
    h += "<h2>Decision surfaces</h2>\n<p>Colour = predicted class (grey background, blue x, "
         "orange o), paler where the model is less sure.</p>\n";
    for (const ReportModel& m : page.models) {
      if (m.surface_png.empty()) continue;
      h += "<div class=\"surf\"><img alt=\"decision surface, hidden " + EscapeMarkup(m.hidden) +
           "\" src=\"data:image/png;base64," + Base64(m.surface_png) + "\"><br>hidden " +
           EscapeMarkup(m.hidden) + " — " + Fmt("%.4f", m.test_accuracy) + "</div>\n";
    }
  }
  h += page.notes_html;
  h += "</body></html>\n";
  return h;
}

}  // namespace rankflow::ml
