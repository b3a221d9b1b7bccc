-- docgen.lua: the shared Lua filter giving the Markdown contract (DEVELOPERS.md)
-- its format-specific form. Each backend keeps its own functions; the dispatch at the
-- bottom picks them by FORMAT. Data text is already escaped by the templates; any raw
-- output built here escapes the text it embeds.

----------------------------------------------------------------------------------------
-- DOCX (owner: docgen/docx). Companion post-processing in docgen/docx/postprocess.py
-- completes the section breaks (page size, margins, header/footer references).
----------------------------------------------------------------------------------------
local docx = {}

local function docx_xml_escape(s)
  return (s:gsub('[&<>"]', {['&'] = '&amp;', ['<'] = '&lt;', ['>'] = '&gt;', ['"'] = '&quot;'}))
end

local function docx_styled(blocks, style, id)
  return pandoc.Div(blocks, pandoc.Attr(id or '', {}, {{'custom-style', style}}))
end

docx.PAGE_BREAK = '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
docx.toc_title = 'Contents'
docx.headings = {}

-- End the current section here; postprocess.py fills in size, margins, header, footer.
local function docx_section_end(orient)
  return pandoc.RawBlock('openxml',
    '<w:p><w:pPr><w:sectPr><w:pgSz w:orient="' .. orient .. '"/></w:sectPr></w:pPr></w:p>')
end

-- The TOC field, pre-filled with the headings (linked to their bookmarks) so the contents
-- show without Word updating the field (no w:dirty: Word would ask to). Each entry ends
-- with a tab and a PAGEREF field to its heading's bookmark; postprocess (docgen/docx/toc.py)
-- writes the page numbers from a LibreOffice layout into the fields' results, or removes
-- them when no layout is available. TOC_PAGE_PLACEHOLDER is the result until then.
docx.TOC_PAGE_PLACEHOLDER = '99'

local function docx_run(text, khmer)
  local rpr = khmer and '<w:rPr><w:lang w:val="km-KH" w:bidi="km-KH"/></w:rPr>' or ''
  return '<w:r>' .. rpr .. '<w:t xml:space="preserve">' .. docx_xml_escape(text) .. '</w:t></w:r>'
end

local function docx_pageref(id)
  return '<w:r><w:tab/></w:r>'
    .. '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
    .. '<w:r><w:instrText xml:space="preserve"> PAGEREF ' .. docx_xml_escape(id) .. ' \\h </w:instrText></w:r>'
    .. '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
    .. '<w:r><w:t>' .. docx.TOC_PAGE_PLACEHOLDER .. '</w:t></w:r>'
    .. '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
end

local function docx_toc_field()
  local paras = {}
  local begin = '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
    .. '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-3" \\h \\z \\u </w:instrText></w:r>'
    .. '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
  local finish = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
  local entries = docx.headings
  if #entries == 0 then
    return pandoc.RawBlock('openxml', '<w:p>' .. begin .. finish .. '</w:p>')
  end
  for i, h in ipairs(entries) do
    local runs = docx_run(h.text, false)
    if h.km then
      runs = runs .. docx_run(' / ', false) .. docx_run(h.km, true)
    end
    if h.id ~= '' then
      runs = '<w:hyperlink w:anchor="' .. docx_xml_escape(h.id) .. '" w:history="1">'
        .. runs .. docx_pageref(h.id) .. '</w:hyperlink>'
    end
    paras[#paras + 1] = '<w:p><w:pPr><w:pStyle w:val="TOC' .. h.level .. '"/></w:pPr>'
      .. (i == 1 and begin or '') .. runs .. (i == #entries and finish or '') .. '</w:p>'
  end
  return pandoc.RawBlock('openxml', table.concat(paras))
end

-- Cover parts (templates/_cover.md.j2) -> paragraph styles of the reference.docx.
local DOCX_COVER_STYLES = {
  title = 'Title', subtitle = 'Subtitle', kingdom = 'Cover Kingdom',
  ministry = 'Cover Ministry', status = 'Cover Status', supported = 'Cover Text',
}

local function docx_cover_style(classes, default)
  for _, c in ipairs(classes) do
    if DOCX_COVER_STYLES[c] then return DOCX_COVER_STYLES[c] end
  end
  return default
end

local function docx_cover_blocks(blocks, style)
  local out = pandoc.Blocks{}
  for _, b in ipairs(blocks) do
    if b.t == 'Div' then
      b.content = docx_cover_blocks(b.content, docx_cover_style(b.classes, style))
      out:insert(b)
    elseif b.t == 'Header' then
      -- Headings on the cover are title lines, not chapters: no TOC entry.
      out:insert(docx_styled({pandoc.Para(b.content)}, b.level == 1 and 'Title' or 'Subtitle',
                             b.identifier))
    elseif b.t == 'Para' or b.t == 'Plain' then
      out:insert(docx_styled({pandoc.Para(b.content)}, style))
    else
      out:insert(b)
    end
  end
  return out
end

local function docx_cover(el)
  local content = docx_cover_blocks(el.content, 'Cover Text')
  content:insert(pandoc.RawBlock('openxml', docx.PAGE_BREAK))
  el.content = content
  el.classes = el.classes:filter(function(c) return c ~= 'cover' end)
  return el
end

function docx.Meta(meta)
  if meta['docgen-contents'] then
    docx.toc_title = pandoc.utils.stringify(meta['docgen-contents'])
  end
  -- style.yaml's layout.bilingual_columns (English share, in per cent)
  local share = tonumber(meta['docgen-bilingual-english'] and
                         pandoc.utils.stringify(meta['docgen-bilingual-english']) or '')
  if share and share > 10 and share < 90 then
    docx.BILINGUAL_WIDTHS = {share / 100, 1 - share / 100}
  end
end

function docx.collect_headings(doc)
  doc.blocks:walk {
    traverse = 'topdown',
    Div = function(d)
      if d.classes:includes('cover') then return d, false end  -- cover lines are not chapters
    end,
    Header = function(h)
      if h.level > 3 or h.classes:includes('unlisted') then return end
      local text = pandoc.utils.stringify(h.content)
      -- A bilingual pair (the Khmer heading's id is the English one's + "_km"): one
      -- entry, "English / Khmer", at the English heading's page.
      local last = docx.headings[#docx.headings]
      if last and last.id ~= '' and h.identifier == last.id .. '_km' then
        last.km = text
        return
      end
      docx.headings[#docx.headings + 1] = {level = h.level, id = h.identifier, text = text}
    end,
  }
end

function docx.Span(el)
  if el.attributes['custom-style'] then return nil end
  if el.classes:includes('linebreak') then  -- a line break inside a table cell (the matrix)
    return pandoc.LineBreak()
  end
  if el.classes:includes('pending') then
    el.attributes['custom-style'] = 'Translation Pending'
  elseif el.classes:includes('placeholder') then
    el.attributes['custom-style'] = 'Placeholder'
  elseif el.classes:includes('source') then
    el.attributes['custom-style'] = 'Source'
  elseif el.classes:includes('proposal') then
    -- the drafters' proposal: its style and a dagger that the legend explains
    el.content:insert(pandoc.Superscript({pandoc.Str('\u{2020}')}))
    el.attributes['custom-style'] = 'Proposal'
  else
    return nil
  end
  return el
end

function docx.Div(el)
  local cls = el.classes
  if cls:includes('pagebreak') then
    return pandoc.RawBlock('openxml', docx.PAGE_BREAK)
  elseif cls:includes('toc') then
    return {docx_styled({pandoc.Para({pandoc.Str(docx.toc_title)})}, 'TOC Heading', el.identifier),
            docx_toc_field()}
  elseif cls:includes('cover') then
    return docx_cover(el)
  elseif cls:includes('landscape') then
    el.classes = cls:filter(function(c) return c ~= 'landscape' end)
    return {docx_section_end('portrait'), el, docx_section_end('landscape')}
  end
end

-- Paragraphs of Khmer divs get the Khmer body styles (larger line spacing for stacked
-- vowels and subscripts). Blocks that already have a custom style keep it.
function docx.KhmerDiv(el)
  local lang = el.attributes['lang']
  if not (lang and lang:match('^km')) then return nil end
  el.content = el.content:walk {
    traverse = 'topdown',
    Div = function(d)
      if d.attributes['custom-style'] then return d, false end
    end,
    Para = function(p) return docx_styled({p}, 'Body Text Khmer'), false end,
    Plain = function(p) return docx_styled({p}, 'Compact Khmer'), false end,
  }
  return el
end

-- `::: {.bilingual}` with two child divs -> a borderless two-column table. The Khmer
-- column is wider: the same text takes about twice the height in Khmer. The split
-- comes from style.yaml (layout.bilingual_columns); this is its default.
docx.BILINGUAL_WIDTHS = {0.44, 0.56}

-- The rows of a bilingual pair. One row for all would let a long Khmer list run a page
-- past its shorter English (a page-long gap in the English column): when both columns
-- have the same shape, each block pairs with its translation in a row of its own, and
-- a list of the same length item by item (each item a one-item list, numbering kept).
local function docx_list_items(b)
  if b.t == 'BulletList' then
    local out = {}
    for _, item in ipairs(b.content) do out[#out + 1] = pandoc.BulletList({item}) end
    return out
  elseif b.t == 'OrderedList' then
    local out, attr = {}, b.listAttributes
    for i, item in ipairs(b.content) do
      out[#out + 1] = pandoc.OrderedList({item},
        pandoc.ListAttributes(attr.start + i - 1, attr.style, attr.delimiter))
    end
    return out
  end
end

local function docx_bilingual_rows(en, km)
  if #en ~= #km then return {{en, km}} end
  local rows = {}
  for i = 1, #en do
    local a, b = docx_list_items(en[i]), docx_list_items(km[i])
    if a and b and #a == #b and en[i].t == km[i].t then
      for j = 1, #a do rows[#rows + 1] = {{a[j]}, {b[j]}} end
    else
      rows[#rows + 1] = {{en[i]}, {km[i]}}
    end
  end
  return rows
end

function docx.BilingualDiv(el)
  if not el.classes:includes('bilingual') then return nil end
  local cols = {}
  for _, b in ipairs(el.content) do
    if b.t == 'Div' then cols[#cols + 1] = b end
  end
  if #cols ~= 2 then return nil end  -- not the contract's shape: leave the blocks stacked
  local rows = {}
  for _, pair in ipairs(docx_bilingual_rows(cols[1].content, cols[2].content)) do
    rows[#rows + 1] = {{pandoc.Div(pair[1], cols[1].attr)}, {pandoc.Div(pair[2], cols[2].attr)}}
  end
  local simple = pandoc.SimpleTable({}, {pandoc.AlignDefault, pandoc.AlignDefault}, docx.BILINGUAL_WIDTHS,
                                    {}, rows)
  local tbl = pandoc.utils.from_simple_table(simple)
  -- pandoc writes a table's custom-style verbatim as w:tblStyle, so give the style id.
  tbl.attr = pandoc.Attr('', {}, {{'custom-style', 'BilingualTable'}})
  el.classes = el.classes:filter(function(c) return c ~= 'bilingual' end)
  el.content = {tbl}
  return el
end

function docx.filters()
  return {
    {Meta = docx.Meta},
    {Pandoc = function(doc) docx.collect_headings(doc) end},
    {Span = docx.Span, Div = docx.Div},
    {Div = docx.KhmerDiv},
    {Div = docx.BilingualDiv},
  }
end

----------------------------------------------------------------------------------------
-- Typst (owner: docgen/pdf): add its functions above this line, in their own table.
----------------------------------------------------------------------------------------

if FORMAT:match 'docx' then
  return docx.filters()
end
