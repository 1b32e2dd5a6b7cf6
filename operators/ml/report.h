// Pieces of the self-contained HTML reports of train_mlp and classify_tweets: PNG encoding (zlib),
// base64 data URIs, an SVG line plot, and the page itself. Pure functions; no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/markup.h"  // EscapeMarkup, used with these pieces

namespace rankflow::ml {

// An 8-bit RGB PNG (no interlace, filter 0) of width × height pixels, rgb row-major.
std::string EncodePng(int width, int height, const std::vector<uint8_t>& rgb);
std::string Base64(const std::string& bytes);
// The bytes of Base64 text; characters outside the alphabet (padding, newlines) are skipped.
std::string FromBase64(const std::string& text);

// Colours a decision surface: labels (rows × cols, row 0 at the TOP of the image) and the winning
// probability of each cell (0.33..1 → pale..full colour). Class colours cycle a fixed palette.
std::vector<uint8_t> SurfaceRgb(int rows, int cols, const std::vector<int64_t>& labels,
                                const std::vector<float>& confidence);

struct PlotSeries {
  std::string name;
  std::string color;      // CSS colour
  std::vector<double> y;  // one value per x label; NaN skips a point
};
// An SVG line plot with categorical x labels (evenly spaced) and a linear y axis [y_min, y_max].
// `highlight` (index or -1) draws a vertical marker.
std::string SvgLinePlot(const std::string& title, const std::vector<std::string>& x_labels,
                        const std::string& x_title, const std::string& y_title,
                        const std::vector<PlotSeries>& series, double y_min, double y_max,
                        int highlight);

// One row of a report table.
struct ReportModel {
  std::string hidden;  // "600", "64-32"
  int64_t parameters = 0;
  double train_accuracy = 0, test_accuracy = 0, train_loss = 0, test_loss = 0;
  double seconds = 0, seconds_per_epoch = 0;
  int epochs = 0;
  std::string surface_png;  // PNG bytes, empty if none
};

struct ReportPage {
  std::string title;
  std::vector<std::pair<std::string, std::string>> setup;  // key, value rows
  std::vector<ReportModel> models;                         // in x order
  int chosen = -1;                                         // index into models
  std::string chosen_reason;
  std::string notes_html;  // extra trusted HTML appended (may be empty)
};

std::string RenderReportHtml(const ReportPage& page);

}  // namespace rankflow::ml
