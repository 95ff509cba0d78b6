export default function ({ parentElement, data, setTriggerValue }) {
  let root = parentElement.querySelector('.draw-net');
  if (!root) {
    root = document.createElement('div');
    root.className = 'draw-net';
    parentElement.appendChild(root);
    root.addEventListener('click', (event) => {
      const circle = event.target.closest('circle');
      const title = circle && circle.querySelector('title');
      const m = title && /layer (\d+), neuron (\d+)/.exec(title.textContent);
      if (m) setTriggerValue('chosen', m[1] + ',' + m[2]);
    });
  }
  if (root.__svg !== data.svg) {  // unchanged picture: leave the DOM alone
    root.innerHTML = data.svg;
    root.__svg = data.svg;
  }
}
