// The script of attn's web pages (render/html.cpp), inlined into every page. It shows and
// navigates what attn computed and embedded in the page's JSON block (#attn-data); it computes
// no number of its own.
//   hover or focus a cell   its derivation (the text of `attn … --explain I,J`) in #cell-story,
//                           and the same cell marked in every heatmap of the head
//   click or Enter          selects the cell's query row: marked in every heatmap, its softmax
//                           and its share of the output in #row-story
//   arrow keys, Home, End   move between the cells of a heatmap (one Tab stop per heatmap)
//   the head switcher       shows one head's steps at a time
//   canvases                heatmaps too large for a table, painted from their colour indices
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('attn-data').textContent);
  var cellStory = document.getElementById('cell-story');
  var cellTitle = document.getElementById('cell-title');
  var rowStory = document.getElementById('row-story');
  var rowTitle = document.getElementById('row-title');

  function headOf(el) {
    var section = el.closest('section.head');
    return section ? Number(section.getAttribute('data-head')) : -1;
  }

  function cellAt(table, i, j) {
    return table.querySelector('td[data-i="' + i + '"][data-j="' + j + '"]');
  }

  // The derivation of a cell, as the page embedded it; null when it has none.
  function storyOf(td) {
    var table = td.closest('table');
    var kind = table.getAttribute('data-story');
    var i = Number(td.getAttribute('data-i'));
    var j = Number(td.getAttribute('data-j'));
    var stories = null;
    if (kind === 'joint') {
      stories = data.joint;
    } else if (kind) {
      // 'cell' and 'entry' on the forward pages; 'dq', 'dk' and 'dv' on the backward page
      var head = data.heads[headOf(td)];
      stories = head && (kind === 'cell' ? head.cells : kind === 'entry' ? head.entries : head[kind]);
    }
    return stories && stories[i] ? stories[i][j] : null;
  }

  function clearClass(name) {
    var marked = document.querySelectorAll('.' + name);
    for (var n = 0; n < marked.length; n++) marked[n].classList.remove(name);
  }

  // Marks cell (i, j) in every heatmap of the same kind in the same head.
  function markSame(td) {
    clearClass('same');
    var table = td.closest('table');
    var scope = td.closest('section.head') || td.closest('section.joint');
    var kind = table.getAttribute('data-story');
    if (!scope) return;
    var tables = scope.querySelectorAll('table.heat[data-story="' + kind + '"]');
    for (var n = 0; n < tables.length; n++) {
      var other = cellAt(tables[n], td.getAttribute('data-i'), td.getAttribute('data-j'));
      if (other) other.classList.add('same');
    }
  }

  function showCell(td) {
    var story = storyOf(td);
    if (story === null || !cellStory) return;
    cellStory.textContent = story;
    if (cellTitle) cellTitle.textContent = td.getAttribute('aria-label');
    markSame(td);
  }

  function selectRow(el) {
    var scope = el.closest('section.head');
    if (!scope || !rowStory) return;
    var i = el.getAttribute('data-i');
    var head = data.heads[headOf(el)];
    clearClass('chosen');
    var rows = scope.querySelectorAll('table.heat tbody tr');
    for (var n = 0; n < rows.length; n++) {
      var th = rows[n].querySelector('th[data-i]');
      if (th && th.getAttribute('data-i') === i) rows[n].classList.add('chosen');
    }
    if (head && head.rows && head.rows[i] !== undefined) {
      rowStory.textContent = head.rows[i];
      if (rowTitle) rowTitle.textContent = 'Row ' + i;
    }
  }

  // One Tab stop per heatmap: the cell last moved to has tabindex 0.
  function moveTo(from, to) {
    if (!to) return;
    from.setAttribute('tabindex', '-1');
    to.setAttribute('tabindex', '0');
    to.focus();
  }

  function onKey(event) {
    var td = event.target;
    if (!td.matches || !td.matches('table.heat td')) return;
    var table = td.closest('table');
    var i = Number(td.getAttribute('data-i'));
    var j = Number(td.getAttribute('data-j'));
    var row = td.parentElement;
    var last = row.querySelectorAll('td').length - 1;
    var target = null;
    switch (event.key) {
      case 'ArrowRight': target = cellAt(table, i, j + 1); break;
      case 'ArrowLeft': target = cellAt(table, i, j - 1); break;
      case 'ArrowDown': target = cellAt(table, i + 1, j); break;
      case 'ArrowUp': target = cellAt(table, i - 1, j); break;
      case 'Home': target = cellAt(table, i, 0); break;
      case 'End': target = cellAt(table, i, last); break;
      case 'Enter':
      case ' ':
        selectRow(td);
        event.preventDefault();
        return;
      default:
        return;
    }
    event.preventDefault();
    moveTo(td, target);
  }

  function showHead(n) {
    var sections = document.querySelectorAll('section.head');
    for (var k = 0; k < sections.length; k++) {
      sections[k].hidden = Number(sections[k].getAttribute('data-head')) !== n;
    }
    clearClass('same');
    clearClass('chosen');
  }

  function paintCanvases() {
    var canvases = document.querySelectorAll('canvas[data-canvas]');
    for (var n = 0; n < canvases.length; n++) {
      var canvas = canvases[n];
      var grid = data.canvases[canvas.getAttribute('data-canvas')];
      var context = canvas.getContext('2d');
      if (!grid || !context) continue;
      var levels = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-';
      var image = context.createImageData(grid.cols, grid.rows);
      for (var k = 0; k < grid.cells.length; k++) {
        var mark = grid.cells.charAt(k);
        var colour = mark === '.' ? grid.blocked : mark === '?' ? '#ffffff' : grid.palette[levels.indexOf(mark)];
        image.data[4 * k] = parseInt(colour.substr(1, 2), 16);
        image.data[4 * k + 1] = parseInt(colour.substr(3, 2), 16);
        image.data[4 * k + 2] = parseInt(colour.substr(5, 2), 16);
        image.data[4 * k + 3] = 255;
      }
      context.putImageData(image, 0, 0);
    }
  }

  // Only a pointer that moves shows a cell: scrolling (as focusing a cell does) moves the page
  // under a resting pointer, which must not take the derivation from the focused cell.
  var pointer = { x: -1, y: -1 };
  document.addEventListener('mousemove', function (event) {
    if (event.screenX === pointer.x && event.screenY === pointer.y) return;
    pointer = { x: event.screenX, y: event.screenY };
    var td = event.target.closest && event.target.closest('table.heat td');
    if (td) showCell(td);
  });
  document.addEventListener('focusin', function (event) {
    if (event.target.matches && event.target.matches('table.heat td')) showCell(event.target);
  });
  document.addEventListener('click', function (event) {
    var el = event.target.closest && event.target.closest('table.heat td, table.heat th[data-i]');
    if (el) selectRow(el);
  });
  document.addEventListener('keydown', onKey);
  var radios = document.querySelectorAll('fieldset.heads input[name="head"]');
  for (var r = 0; r < radios.length; r++) {
    radios[r].addEventListener('change', function (event) {
      showHead(Number(event.target.value));
    });
  }
  paintCanvases();
})();
