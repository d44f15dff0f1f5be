/** Bottleneck's light build (no clustering): the one Octokit's throttling plugin itself loads. */
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck';
  export default Bottleneck;
}
