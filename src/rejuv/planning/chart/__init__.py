"""The face chart: a millimetre face template, evenly spaced injection points, and its SVG and PNG drawings.

`template` turns the reviewed YAML into plain polygons and exclusion regions; `points` places the points;
`svg` and `png` draw the result. Geometry is plain Python (`geometry`), so the core needs no numeric library.
"""
